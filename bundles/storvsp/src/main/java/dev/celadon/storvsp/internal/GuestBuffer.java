package dev.celadon.storvsp.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.vmbus.GpaDirect;
import dev.celadon.vmbus.Gpadl;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The data buffer of one SRB: the first {@code length} bytes of the guest pages a GPA-direct packet names, as
 * runs of guest-physical memory (adjacent pages merged where they lie in one RAM region). Every page listed is
 * checked against RAM before any byte moves, so a bad page fails the request before the disk is touched.
 */
final class GuestBuffer {
    /** {@code length} bytes of RAM at {@code gpa}. */
    record Run(long gpa, int length) {
    }

    /** Page numbers above this would overflow a 64-bit address (x86 has 52 physical address bits). */
    private static final long MAX_PFN = (1L << 52) - 1;

    private final GuestMemory memory;
    private final List<Run> runs;
    private final int length;

    private GuestBuffer(GuestMemory memory, List<Run> runs, int length) {
        this.memory = memory;
        this.runs = runs;
        this.length = length;
    }

    /**
     * The buffer over {@code ranges} for {@code length} bytes.
     *
     * @throws BadRequest if a page is not RAM or the ranges hold fewer than {@code length} bytes
     */
    static GuestBuffer of(GuestMemory memory, List<GpaDirect.Range> ranges, int length) throws BadRequest {
        List<Run> runs = new ArrayList<>();
        long total = 0;
        int ri = 0;
        for (GpaDirect.Range r : ranges) {
            long left = r.length();
            for (int p = 0; p < r.pfns().length; p++) {
                long pfn = r.pfns()[p];
                int start = p == 0 ? r.offset() : 0;
                int n = (int) Math.min(Gpadl.PAGE_SIZE - start, left);
                if (pfn < 0 || pfn > MAX_PFN || !memory.isRam(pfn * Gpadl.PAGE_SIZE, Gpadl.PAGE_SIZE)) {
                    throw new BadRequest("page 0x" + Long.toHexString(pfn) + " (range " + ri + ", page " + p
                            + ") is not guest RAM");
                }
                left -= n;
                if (total < length) {
                    int use = (int) Math.min(n, length - total);
                    add(memory, runs, pfn * Gpadl.PAGE_SIZE + start, use);
                }
                total += n;
            }
            ri++;
        }
        if (total < length) {
            throw new BadRequest("data_transfer_length " + Integer.toUnsignedString(length)
                    + " exceeds the " + total + " bytes of the page list");
        }
        return new GuestBuffer(memory, List.copyOf(runs), length);
    }

    private static void add(GuestMemory memory, List<Run> runs, long gpa, int n) {
        if (!runs.isEmpty()) {
            Run last = runs.get(runs.size() - 1);
            if (last.gpa + last.length == gpa && memory.isRam(last.gpa, (long) last.length + n)) {
                runs.set(runs.size() - 1, new Run(last.gpa, last.length + n));
                return;
            }
        }
        runs.add(new Run(gpa, n));
    }

    int length() {
        return length;
    }

    List<Run> runs() {
        return runs;
    }

    /** Copies {@code src} (at most {@link #length()} bytes) into the guest's pages from the buffer's start. */
    int copyIn(byte[] src, int n) {
        int done = 0;
        for (Run r : runs) {
            if (done >= n) {
                break;
            }
            int k = Math.min(r.length, n - done);
            memory.write(r.gpa, src, done, k);
            done += k;
        }
        return done;
    }

    /** Views of guest memory covering buffer bytes [offset, offset + n), in order; for disk I/O without copies. */
    List<ByteBuffer> views(int offset, int n) {
        List<ByteBuffer> v = new ArrayList<>();
        int at = 0;
        for (Run r : runs) {
            int end = at + r.length;
            if (end > offset && at < offset + n) {
                int from = Math.max(offset, at);
                int to = Math.min(offset + n, end);
                v.add(memory.view(r.gpa + (from - at), to - from));
            }
            at = end;
            if (at >= offset + n) {
                break;
            }
        }
        return v;
    }
}
