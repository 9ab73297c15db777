package dev.celadon.vmbus.client;

import dev.celadon.hypervisor.api.GuestMemory;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The guest's page allocator: 4 KiB pages of partition RAM in {@code [firstPfn, endPfn)}, which the guest owns
 * (a kernel's free pages). Fresh pages come in ascending order; freed pages are reused first, so long runs that
 * open and close channels do not run out. Pages are zeroed when handed out, as a kernel's get_zeroed_page.
 * Not thread-safe: one guest processor allocates.
 */
public final class GuestPages {
    public static final int PAGE = 4096;

    private final GuestMemory memory;
    private final long endPfn;
    private long nextPfn;
    private final ArrayDeque<Long> free = new ArrayDeque<>();

    /** @throws IllegalArgumentException if the range is empty or not RAM */
    public GuestPages(GuestMemory memory, long firstPfn, long endPfn) {
        if (firstPfn < 0 || endPfn <= firstPfn || !memory.isRam(firstPfn * PAGE, (endPfn - firstPfn) * PAGE)) {
            throw new IllegalArgumentException(String.format("pages 0x%x..0x%x are not a range of RAM", firstPfn,
                    endPfn));
        }
        this.memory = memory;
        this.nextPfn = firstPfn;
        this.endPfn = endPfn;
    }

    /** Pages from 1 MiB to the end of the first RAM region (below 1 MiB is the PC's; a guest leaves it alone). */
    public static GuestPages above1MiB(GuestMemory memory) {
        return new GuestPages(memory, 0x100, memory.regions().get(0).end() / PAGE);
    }

    /** One zeroed page; its guest-physical address. */
    public long page() {
        return allocate(1)[0] * PAGE;
    }

    /** {@code n} zeroed pages (not necessarily contiguous), as page frame numbers. */
    public long[] allocate(int n) {
        if (n <= 0 || n > available()) {
            throw new IllegalStateException(n + " guest pages wanted, " + available() + " free");
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = free.isEmpty() ? nextPfn++ : free.pollFirst();
            memory.write(out[i] * PAGE, ZERO);
        }
        return out;
    }

    /** {@code n} zeroed physically contiguous pages (fresh ones); the first page's frame number. */
    public long contiguous(int n) {
        if (n <= 0 || n > endPfn - nextPfn) {
            throw new IllegalStateException(n + " contiguous guest pages wanted, " + (endPfn - nextPfn) + " left");
        }
        long first = nextPfn;
        nextPfn += n;
        for (long p = first; p < first + n; p++) {
            memory.write(p * PAGE, ZERO);
        }
        return first;
    }

    /** Gives pages back (the host must no longer use them: the GPADL naming them is torn down). */
    public void free(long... pfns) {
        for (long p : pfns) {
            free.addLast(p);
        }
    }

    public long available() {
        return endPfn - nextPfn + free.size();
    }

    private static final byte[] ZERO = new byte[PAGE];

    @Override
    public String toString() {
        return "GuestPages[next 0x" + Long.toHexString(nextPfn) + ", end 0x" + Long.toHexString(endPfn) + ", free "
                + free.size() + "]" + (free.isEmpty() ? "" : " " + Arrays.toString(free.stream().limit(4).toArray()));
    }
}
