package dev.celadon.emulator.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.GuestMemoryException;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.MemoryRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import dev.celadon.emulator.cpu.PhysicalMemory;

/**
 * A partition's RAM on the emulator: one anonymous mapping per RAM region, seen in 1 GiB pieces (the most a
 * ByteBuffer holds, rounded down to a power of two), shared by the vCPUs and by devices. Writes made through this
 * object go through the CPUs' {@link PhysicalMemory}, which invalidates decoded code they overwrite, so a loader or
 * device overwriting code is seen (a device writing through a {@link #view} bypasses that: views are for data).
 * After {@link #close()} every access throws instead of touching unmapped memory.
 */
final class GuestRam implements GuestMemory, AutoCloseable {

    static final int PIECE_SHIFT = 30;
    static final long PIECE = 1L << PIECE_SHIFT;

    /** One ByteBuffer over {@code [base, base + buffer.capacity())}. */
    record Piece(long base, ByteBuffer buffer) {
    }

    private final List<MemoryRegion> regions;
    private final List<Pointer> mappings = new ArrayList<>();
    private final List<Long> sizes = new ArrayList<>();
    private final List<Piece> pieces = new ArrayList<>();
    private volatile PhysicalMemory physical;
    private volatile boolean closed;

    GuestRam(List<MemoryRegion> regions) {
        this.regions = List.copyOf(regions);
        try {
            for (MemoryRegion r : regions) {
                Pointer p = LibC.mmap(Pointer.NULL, r.size(), LibC.PROT_READ | LibC.PROT_WRITE,
                        LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
                mappings.add(p);
                sizes.add(r.size());
                for (long off = 0; off < r.size(); off += PIECE) {
                    long len = Math.min(PIECE, r.size() - off);
                    pieces.add(new Piece(r.base() + off, p.getByteBuffer(off, len).order(ByteOrder.LITTLE_ENDIAN)));
                }
            }
        } catch (LastErrorException e) {
            close();
            throw new HypervisorException("cannot map guest RAM: " + LibC.describe(e));
        }
    }

    /** The pieces, for the CPU's physical memory. */
    List<Piece> pieces() {
        return pieces;
    }

    /** Writes then go through the CPUs' view of memory, which invalidates decoded code they overwrite. */
    void attach(PhysicalMemory cpuView) {
        this.physical = cpuView;
    }

    @Override
    public List<MemoryRegion> regions() {
        return regions;
    }

    private Piece piece(long address, long length) {
        for (Piece p : pieces) {
            if (address >= p.base() && length >= 0 && address - p.base() <= p.buffer().capacity() - length) {
                return p;
            }
        }
        return null;
    }

    private void check(long address, long length) {
        if (closed) {
            throw new GuestMemoryException(address, length);
        }
        if (!isRam(address, length)) {
            throw new GuestMemoryException(address, length);
        }
    }

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        check(address, length);
        int done = 0;
        while (done < length) {
            long a = address + done;
            Piece p = piece(a, 1);
            int inPiece = (int) Math.min(length - done, p.buffer().capacity() - (a - p.base()));
            p.buffer().get((int) (a - p.base()), dst, offset + done, inPiece);
            done += inPiece;
        }
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        check(address, length);
        PhysicalMemory p0 = physical;
        if (p0 != null) {
            p0.write(address, src, offset, length);
            return;
        }
        int done = 0;
        while (done < length) {
            long a = address + done;
            Piece p = piece(a, 1);
            int inPiece = (int) Math.min(length - done, p.buffer().capacity() - (a - p.base()));
            p.buffer().put((int) (a - p.base()), src, offset + done, inPiece);
            done += inPiece;
        }
    }

    @Override
    public ByteBuffer view(long address, int length) {
        check(address, length);
        Piece p = piece(address, length);
        if (p == null) {
            throw new HypervisorException(String.format("a view of 0x%x+0x%x would cross a 1 GiB boundary of guest RAM",
                    address, length));
        }
        return p.buffer().slice((int) (address - p.base()), length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Unmaps the RAM. Only after every processor and device of the partition has stopped. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < mappings.size(); i++) {
            try {
                LibC.munmap(mappings.get(i), sizes.get(i));
            } catch (LastErrorException e) {
                // nothing more can be done; say so
                org.slf4j.LoggerFactory.getLogger(GuestRam.class).warn("munmap guest RAM: {}", LibC.describe(e));
            }
        }
        mappings.clear();
    }
}
