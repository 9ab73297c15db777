package dev.celadon.loader.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.loader.LoaderException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Checks and address choices both loaders share; all run before the first write to guest memory. */
final class Placement {
    private Placement() {
    }

    static void requireRam(GuestMemory memory, long address, long length, String what) {
        if (length > 0 && !memory.isRam(address, length)) {
            throw new LoaderException(what + " at " + Bytes.hex(address) + "+" + Bytes.hex(length)
                    + " is outside guest RAM (" + describe(memory) + ")");
        }
    }

    static void requireLowMemory(GuestMemory memory, long end) {
        requireRam(memory, LowMemory.GDT, end - LowMemory.GDT, "the loader's boot structures");
    }

    /** The command line as a NUL-terminated string, at most {@code max} bytes without the NUL. */
    static byte[] cmdline(String cmdline, long max) {
        byte[] text = cmdline.getBytes(StandardCharsets.UTF_8);
        long limit = Math.min(max, LowMemory.CMDLINE_MAX - 1);
        if (text.length > limit) {
            throw new LoaderException("kernel command line is " + text.length + " bytes, the limit is " + limit);
        }
        for (byte c : text) {
            if (c == 0) {
                throw new LoaderException("kernel command line contains a NUL byte");
            }
        }
        byte[] z = new byte[text.length + 1];
        System.arraycopy(text, 0, z, 0, text.length);
        return z;
    }

    /**
     * The highest page-aligned address where {@code size} bytes fit in RAM below {@code top} (exclusive) and
     * at or above {@code floor}.
     */
    static long highest(GuestMemory memory, long size, long floor, long top, String what) {
        long best = -1;
        for (MemoryRegion r : memory.regions()) {
            long end = Math.min(r.end(), top);
            long addr = (end - size) & ~(LowMemory.PAGE - 1);
            if (end - size >= 0 && addr >= r.base() && addr >= floor && addr > best) {
                best = addr;
            }
        }
        if (best < 0) {
            throw new LoaderException(what + " of " + size + " bytes does not fit in RAM between "
                    + Bytes.hex(floor) + " and " + Bytes.hex(top) + " (" + describe(memory) + ")");
        }
        return best;
    }

    /**
     * The lowest page-aligned address at or above {@code floor} where {@code size} bytes fit in one RAM region
     * below {@code top} (exclusive) without touching any of the {@code avoid} ranges ({start, end} pairs); -1 if
     * there is none.
     */
    static long lowest(GuestMemory memory, long size, long floor, long top, List<long[]> avoid) {
        List<MemoryRegion> regions = new ArrayList<>(memory.regions());
        regions.sort(Comparator.comparingLong(MemoryRegion::base));
        for (MemoryRegion r : regions) {
            long end = Math.min(r.end(), top);
            long addr = alignUp(Math.max(floor, r.base()), LowMemory.PAGE);
            while (addr + size <= end) {
                long next = -1;
                for (long[] a : avoid) {
                    if (addr < a[1] && addr + Math.max(size, 1) > a[0]) {
                        next = Math.max(next, alignUp(a[1], LowMemory.PAGE));
                    }
                }
                if (next < 0) {
                    return addr;
                }
                addr = next;
            }
        }
        return -1;
    }

    static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }

    static String describe(GuestMemory memory) {
        StringBuilder sb = new StringBuilder("RAM");
        for (MemoryRegion r : memory.regions()) {
            sb.append(' ').append(Bytes.hex(r.base())).append('-').append(Bytes.hex(r.end()));
        }
        return sb.toString();
    }
}
