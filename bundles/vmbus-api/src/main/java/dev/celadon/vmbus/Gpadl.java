package dev.celadon.vmbus;

import dev.celadon.hypervisor.api.GuestMemory;

import java.util.Arrays;

/**
 * A guest physical address descriptor list as a value: the guest page frame numbers of one buffer the guest
 * shares with the host (ring buffers, receive and send buffers), and which bytes of those pages the buffer
 * covers. The pages need not be contiguous. It is what one GPADL_HEADER and its GPADL_BODY messages describe
 * (a single {@code gpa_range}: Linux always sends {@code rangecount = 1}).
 * <p>
 * The constructor checks the list's shape; {@link #validated} also checks every page against the partition's
 * RAM, which is what a host must do before it touches a guest-supplied GPADL.
 */
public final class Gpadl {
    public static final int PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;
    /** x86-64 guest-physical addresses have at most 52 bits, so a larger PFN can never be RAM. */
    public static final long MAX_PFN = (1L << (52 - PAGE_SHIFT)) - 1;
    /** range_buflen is a u16: (65535 - 8) / 8 page numbers fit, which bounds every GPADL. */
    public static final int MAX_PAGES = (0xFFFF - 8) / 8;

    private final long[] pfns;
    private final int byteOffset;
    private final long byteCount;
    private long[] sorted;

    private Gpadl(long[] pfns, int byteOffset, long byteCount) {
        this.pfns = pfns;
        this.byteOffset = byteOffset;
        this.byteCount = byteCount;
    }

    /**
     * A GPADL of {@code byteCount} bytes starting {@code byteOffset} bytes into the first page.
     *
     * @throws GpadlException if the list is empty or too long, a PFN is beyond 52-bit physical addresses or
     *                        repeated, or the byte range does not end in the last page
     */
    public static Gpadl of(long[] pfns, int byteOffset, long byteCount) {
        long[] p = pfns.clone();
        check(p.length >= 1, "GPADL with no pages");
        check(p.length <= MAX_PAGES, "GPADL of " + p.length + " pages, more than " + MAX_PAGES);
        check(byteOffset >= 0 && byteOffset < PAGE_SIZE, "GPADL byte_offset " + Integer.toUnsignedString(byteOffset)
                + " is not within the first page");
        long capacity = (long) p.length * PAGE_SIZE;
        check(byteCount > 0 && byteOffset + byteCount <= capacity, "GPADL byte_count " + byteCount + " at offset "
                + byteOffset + " does not fit its " + p.length + " pages");
        // Every page must hold some of the buffer: extra pages would be named but never used, and still be
        // counted against other channels' GPADLs.
        check(byteOffset + byteCount > capacity - PAGE_SIZE, "GPADL byte_count " + byteCount + " leaves its last"
                + " page unused (" + p.length + " pages)");
        long[] s = p.clone();
        Arrays.sort(s);
        for (int i = 0; i < s.length; i++) {
            check(s[i] >= 0 && s[i] <= MAX_PFN, String.format("GPADL page frame 0x%x is beyond 52-bit physical"
                    + " addresses", s[i]));
            check(i == 0 || s[i] != s[i - 1], String.format("GPADL names page frame 0x%x twice", s[i]));
        }
        Gpadl g = new Gpadl(p, byteOffset, byteCount);
        g.sorted = s;
        return g;
    }

    /** Whole pages, as Linux builds the GPADLs of ring buffers: offset 0, byte count = pages * 4096. */
    public static Gpadl ofPages(long... pfns) {
        return of(pfns, 0, (long) pfns.length * PAGE_SIZE);
    }

    /** {@link #of}, then every page checked against the partition's RAM. */
    public static Gpadl validated(GuestMemory memory, long[] pfns, int byteOffset, long byteCount) {
        return of(pfns, byteOffset, byteCount).checkRam(memory);
    }

    /**
     * Checks that every page of this GPADL is RAM of the partition.
     *
     * @return this
     * @throws GpadlException naming the first page that is not RAM
     */
    public Gpadl checkRam(GuestMemory memory) {
        for (long pfn : pfns) {
            check(memory.isRam(pfn << PAGE_SHIFT, PAGE_SIZE), String.format("GPADL page frame 0x%x (guest-physical"
                    + " 0x%x) is not RAM of this partition", pfn, pfn << PAGE_SHIFT));
        }
        return this;
    }

    public int pageCount() {
        return pfns.length;
    }

    public long pfn(int index) {
        return pfns[index];
    }

    public long[] pfns() {
        return pfns.clone();
    }

    /** Offset of the buffer's first byte in the first page. */
    public int byteOffset() {
        return byteOffset;
    }

    public long byteCount() {
        return byteCount;
    }

    /** Whether the two GPADLs name a common page (the whole page counts, whatever the byte range). */
    public boolean overlaps(Gpadl other) {
        long[] a = sorted;
        long[] b = other.sorted;
        int i = 0;
        int j = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                return true;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return false;
    }

    /** A page of this GPADL that {@code other} names too, or -1. */
    public long firstSharedPage(Gpadl other) {
        for (long p : sorted) {
            if (Arrays.binarySearch(other.sorted, p) >= 0) {
                return p;
            }
        }
        return -1;
    }

    /** The buffer's bytes through guest memory; the pages are checked against RAM first. */
    public GpadlMemory memory(GuestMemory memory) {
        return GpadlMemory.of(memory, this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Gpadl g && g.byteOffset == byteOffset && g.byteCount == byteCount
                && Arrays.equals(g.pfns, pfns);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pfns) * 31 + Long.hashCode(byteCount) + byteOffset;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Gpadl[").append(pfns.length).append(" pages, ").append(byteCount)
                .append(" bytes at +").append(byteOffset).append(':');
        for (int i = 0; i < Math.min(pfns.length, 4); i++) {
            s.append(" 0x").append(Long.toHexString(pfns[i]));
        }
        return s.append(pfns.length > 4 ? " ...]" : "]").toString();
    }

    private static void check(boolean ok, String reason) {
        if (!ok) {
            throw new GpadlException(reason);
        }
    }
}
