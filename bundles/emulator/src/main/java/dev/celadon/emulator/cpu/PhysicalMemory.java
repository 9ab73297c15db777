package dev.celadon.emulator.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Guest-physical RAM of one partition, shared by all its {@link Cpu}s and by devices. Built from RAM regions
 * (guest-physical base + a ByteBuffer the caller owns); every other physical address is MMIO and goes to
 * {@link CpuPlatform#mmioRead}/{@link CpuPlatform#mmioWrite}.
 *
 * <p>Lookup is by 2 MiB chunk: a chunk wholly inside one region is one slice of that region's buffer; a chunk
 * that a region boundary or a hole cuts has one 4 KiB slice per RAM page. Pages are what the TLB caches.
 *
 * <p>It also keeps the decoded-code bookkeeping every processor must see: one "has code" bit per 4 KiB page
 * (set when a Cpu decodes instructions from the page, checked on every store) and a write generation per
 * page (bumped when a store hits a page with code; a decoded block is valid while its page's generation is
 * the one it was decoded at). Stores through {@link #write} by loaders and devices do the same, so DMA over
 * code is seen by every processor.
 */
public final class PhysicalMemory {
    /** A RAM region: guest-physical {@code base} (4 KiB aligned) and its bytes (a multiple of 4 KiB). */
    public record Region(long base, ByteBuffer buffer) {
        public Region {
            if (buffer == null || (base & 0xFFF) != 0 || base < 0 || (buffer.capacity() & 0xFFF) != 0 || buffer.capacity() == 0) {
                throw new IllegalArgumentException("RAM region must be 4 KiB aligned and sized: base 0x"
                        + Long.toHexString(base) + ", " + (buffer == null ? "no buffer" : buffer.capacity() + " bytes"));
            }
            // Atomic accesses (LOCK, A/D bits) are compare-and-set on aligned words: direct, 8-byte aligned memory.
            if (!buffer.isDirect() || buffer.alignmentOffset(0, 8) != 0) {
                throw new IllegalArgumentException("RAM region at 0x" + Long.toHexString(base)
                        + " must be a direct, 8-byte aligned ByteBuffer");
            }
        }

        long end() {
            return base + buffer.capacity();
        }
    }

    static final int PAGE_SHIFT = 12;
    static final int CHUNK_SHIFT = 21;
    static final int PAGES_PER_CHUNK = 1 << (CHUNK_SHIFT - PAGE_SHIFT);

    static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle GEN = MethodHandles.arrayElementVarHandle(int[].class);

    private final List<Region> regions;
    /** Whole chunks: a 2 MiB slice, or null. */
    private final ByteBuffer[] full;
    /** Chunks cut by a region edge: one 4 KiB slice per page (null = not RAM), or null. */
    private final ByteBuffer[][] partial;
    private final long topPage;
    private final long[] codeBits;
    private final int[][] generations;
    /** Per page, one bit per 64-byte line holding decoded code: stores elsewhere on the page cost nothing. */
    private final long[][] lines;
    /** Striped locks for LOCKed accesses that no single compare-and-set can cover (misaligned). */
    private final Object[] stripes = new Object[64];

    public PhysicalMemory(List<Region> regions) {
        List<Region> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparingLong(Region::base));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).base() < sorted.get(i - 1).end()) {
                throw new IllegalArgumentException("RAM regions overlap at 0x" + Long.toHexString(sorted.get(i).base()));
            }
        }
        this.regions = List.copyOf(sorted);
        long top = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1).end();
        topPage = top >>> PAGE_SHIFT;
        int chunks = (int) ((top + (1L << CHUNK_SHIFT) - 1) >>> CHUNK_SHIFT);
        full = new ByteBuffer[chunks];
        partial = new ByteBuffer[chunks][];
        for (Region r : sorted) {
            ByteBuffer b = r.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (long a = r.base(); a < r.end(); ) {
                int c = (int) (a >>> CHUNK_SHIFT);
                long chunkBase = (long) c << CHUNK_SHIFT;
                long chunkEnd = chunkBase + (1L << CHUNK_SHIFT);
                int off = (int) (a - r.base());
                if (a == chunkBase && r.end() >= chunkEnd && partial[c] == null) {
                    full[c] = b.slice(off, 1 << CHUNK_SHIFT).order(ByteOrder.LITTLE_ENDIAN);
                    a = chunkEnd;
                } else {
                    if (partial[c] == null) {
                        partial[c] = new ByteBuffer[PAGES_PER_CHUNK];
                    }
                    partial[c][(int) ((a - chunkBase) >>> PAGE_SHIFT)] = b.slice(off, 1 << PAGE_SHIFT).order(ByteOrder.LITTLE_ENDIAN);
                    a += 1 << PAGE_SHIFT;
                }
            }
        }
        codeBits = new long[(int) ((topPage + 63) >>> 6)];
        generations = new int[chunks][];
        lines = new long[chunks][];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    /** One region from guest-physical 0. */
    public static PhysicalMemory of(ByteBuffer ramAtZero) {
        return new PhysicalMemory(List.of(new Region(0, ramAtZero)));
    }

    public List<Region> regions() {
        return regions;
    }

    /** The end of the highest RAM region. */
    public long top() {
        return topPage << PAGE_SHIFT;
    }

    public boolean isRam(long physAddr) {
        return pageBuffer(physAddr >>> PAGE_SHIFT) != null;
    }

    // ---- page lookup (what the TLB caches) ----

    /** The buffer holding physical page {@code page}, or null if it is not RAM; see {@link #pageOffset}. */
    ByteBuffer pageBuffer(long page) {
        if (page < 0 || page >= topPage) {
            return null;
        }
        int c = (int) (page >>> (CHUNK_SHIFT - PAGE_SHIFT));
        ByteBuffer b = full[c];
        if (b != null) {
            return b;
        }
        ByteBuffer[] p = partial[c];
        return p == null ? null : p[(int) page & (PAGES_PER_CHUNK - 1)];
    }

    /** Offset of page {@code page} inside {@link #pageBuffer}'s buffer. */
    int pageOffset(long page) {
        int c = (int) (page >>> (CHUNK_SHIFT - PAGE_SHIFT));
        return full[c] != null ? ((int) page & (PAGES_PER_CHUNK - 1)) << PAGE_SHIFT : 0;
    }

    // ---- decoded-code bookkeeping ----

    /** The line bits of bytes [from, to) of a page. */
    static long lineMask(int from, int to) {
        int a = from >>> 6;
        int b = (to - 1) >>> 6;
        return (b >= 63 ? -1L : (1L << (b + 1)) - 1) & (-1L << a);
    }

    /** A processor decoded instructions from bytes [from, to) of this page. */
    void markCode(long page, int from, int to) {
        if (page >= topPage) {
            return;
        }
        long[] l = linesChunk(page);
        int li = (int) page & (PAGES_PER_CHUNK - 1);
        long m = lineMask(from, to);
        if ((l[li] & m) != m) {
            BITS.getAndBitwiseOr(l, li, m);
        }
        long bit = 1L << page;
        int i = (int) (page >>> 6);
        if ((codeBits[i] & bit) == 0) {
            BITS.getAndBitwiseOr(codeBits, i, bit);
        }
    }

    /** Cheap check made on every store: does any processor hold decoded code from this page? */
    boolean hasCode(long page) {
        return page < topPage && (codeBits[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    /**
     * A store to bytes [from, to) of a page with code: if it touches a line with code, every block decoded from
     * the page is stale from now on. Returns whether it did.
     */
    boolean codeStore(long page, int from, int to) {
        long[] l = lines[(int) (page >>> (CHUNK_SHIFT - PAGE_SHIFT))];
        if (l == null || (l[(int) page & (PAGES_PER_CHUNK - 1)] & lineMask(from, Math.min(to, 4096))) == 0) {
            return false;
        }
        codeWritten(page);
        return true;
    }

    /** Invalidates all decoded code of a page. */
    void codeWritten(long page) {
        if (page >= topPage) {
            return;
        }
        BITS.getAndBitwiseAnd(codeBits, (int) (page >>> 6), ~(1L << page));
        long[] l = lines[(int) (page >>> (CHUNK_SHIFT - PAGE_SHIFT))];
        if (l != null) {
            BITS.setVolatile(l, (int) page & (PAGES_PER_CHUNK - 1), 0L);
        }
        int[] g = genChunk(page);
        GEN.getAndAdd(g, (int) page & (PAGES_PER_CHUNK - 1), 1);
    }

    private long[] linesChunk(long page) {
        int c = (int) (page >>> (CHUNK_SHIFT - PAGE_SHIFT));
        long[] l = lines[c];
        if (l == null) {
            synchronized (lines) {
                l = lines[c];
                if (l == null) {
                    l = new long[PAGES_PER_CHUNK];
                    lines[c] = l;
                }
            }
        }
        return l;
    }

    /** The write generation of a page; blocks record it when decoded. */
    int generation(long page) {
        // A plain read: the run loop's volatile event check each block keeps it from being hoisted.
        int[] g = generations[(int) (page >>> (CHUNK_SHIFT - PAGE_SHIFT))];
        return g == null ? 0 : g[(int) page & (PAGES_PER_CHUNK - 1)];
    }

    private int[] genChunk(long page) {
        int c = (int) (page >>> (CHUNK_SHIFT - PAGE_SHIFT));
        int[] g = generations[c];
        if (g == null) {
            synchronized (generations) {
                g = generations[c];
                if (g == null) {
                    g = new int[PAGES_PER_CHUNK];
                    generations[c] = g;
                }
            }
        }
        return g;
    }

    Object stripe(long physAddr) {
        return stripes[(int) (physAddr >>> 6) & (stripes.length - 1)];
    }

    // ---- plain access for loaders and devices ----

    /** Copies {@code len} bytes from guest-physical {@code addr}; every byte must be RAM. */
    public void read(long addr, byte[] dst, int off, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, 4096 - (addr & 0xFFF));
            ByteBuffer b = ram(addr, len);
            b.get(pageOffset(addr >>> PAGE_SHIFT) + (int) (addr & 0xFFF), dst, off, n);
            addr += n;
            off += n;
            len -= n;
        }
        VarHandle.acquireFence();
    }

    public byte[] read(long addr, int len) {
        byte[] b = new byte[len];
        read(addr, b, 0, len);
        return b;
    }

    /**
     * Copies bytes into guest-physical RAM; every byte must be RAM. Decoded code over the range is invalidated
     * for every processor.
     */
    public void write(long addr, byte[] src, int off, int len) {
        VarHandle.releaseFence();
        while (len > 0) {
            int n = (int) Math.min(len, 4096 - (addr & 0xFFF));
            long page = addr >>> PAGE_SHIFT;
            ByteBuffer b = ram(addr, len);
            b.put(pageOffset(page) + (int) (addr & 0xFFF), src, off, n);
            if (hasCode(page)) {
                codeStore(page, (int) (addr & 0xFFF), (int) (addr & 0xFFF) + n);
            }
            addr += n;
            off += n;
            len -= n;
        }
        VarHandle.fullFence();
    }

    public void write(long addr, byte[] src) {
        write(addr, src, 0, src.length);
    }

    public long readLong(long addr) {
        byte[] b = read(addr, 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public void writeLong(long addr, long v) {
        write(addr, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private ByteBuffer ram(long addr, int len) {
        ByteBuffer b = pageBuffer(addr >>> PAGE_SHIFT);
        if (b == null) {
            throw new IllegalArgumentException("guest-physical 0x" + Long.toHexString(addr) + " (" + len + " bytes) is not RAM");
        }
        return b;
    }

    // ---- typed access on a (buffer, offset) the TLB resolved; loads acquire, stores release (x86-TSO) ----

    static long load(ByteBuffer b, int off, int size) {
        long v;
        switch (size) {
            case 1: v = b.get(off) & 0xFFL; break;
            case 2: v = b.getShort(off) & 0xFFFFL; break;
            case 4: v = b.getInt(off) & 0xFFFF_FFFFL; break;
            default: v = b.getLong(off); break;
        }
        VarHandle.acquireFence();
        return v;
    }

    static void store(ByteBuffer b, int off, int size, long v) {
        VarHandle.releaseFence();
        switch (size) {
            case 1: b.put(off, (byte) v); break;
            case 2: b.putShort(off, (short) v); break;
            case 4: b.putInt(off, (int) v); break;
            default: b.putLong(off, v); break;
        }
    }
}
