package dev.celadon.loopback.internal;

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
import org.slf4j.LoggerFactory;

/**
 * A loopback partition's RAM: one anonymous MAP_NORESERVE mapping per RAM region (only touched pages cost host
 * memory), seen as 1 GiB ByteBuffers (the most one holds, as a power of two). Real memory, shared by the guest
 * program and the host's devices exactly as on the other backends: the SynIC's atomic stores and the rings'
 * acquire/release accesses work on it. Unmapped at {@link #close()}; every access after that throws.
 */
final class LoopbackRam implements GuestMemory, AutoCloseable {

    static final long PIECE = 1L << 30;

    private record Piece(long base, ByteBuffer buffer) {
    }

    private final List<MemoryRegion> regions;
    private final List<Pointer> mappings = new ArrayList<>();
    private final List<Long> sizes = new ArrayList<>();
    private final List<Piece> pieces = new ArrayList<>();
    private volatile boolean closed;

    LoopbackRam(List<MemoryRegion> regions) {
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
            throw new HypervisorException("cannot map guest RAM: " + LibC.strerror(e.getErrorCode()));
        }
    }

    /** Host addresses of the mappings (tests look for them in /proc/self/maps). */
    List<Long> hostAddresses() {
        List<Long> out = new ArrayList<>();
        for (Pointer p : mappings) {
            out.add(Pointer.nativeValue(p));
        }
        return out;
    }

    @Override
    public List<MemoryRegion> regions() {
        return regions;
    }

    private void check(long address, long length) {
        if (closed || !isRam(address, length)) {
            throw new GuestMemoryException(address, length);
        }
    }

    private Piece piece(long address, long length) {
        for (Piece p : pieces) {
            if (address >= p.base() && length >= 0 && address - p.base() <= p.buffer().capacity() - length) {
                return p;
            }
        }
        return null;
    }

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        check(address, length);
        for (int done = 0; done < length; ) {
            long a = address + done;
            Piece p = piece(a, 1);
            int n = (int) Math.min(length - done, p.buffer().capacity() - (a - p.base()));
            p.buffer().get((int) (a - p.base()), dst, offset + done, n);
            done += n;
        }
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        check(address, length);
        for (int done = 0; done < length; ) {
            long a = address + done;
            Piece p = piece(a, 1);
            int n = (int) Math.min(length - done, p.buffer().capacity() - (a - p.base()));
            p.buffer().put((int) (a - p.base()), src, offset + done, n);
            done += n;
        }
    }

    @Override
    public ByteBuffer view(long address, int length) {
        check(address, length);
        Piece p = piece(address, length);
        if (p == null) {
            throw new HypervisorException(String.format(
                    "a view of 0x%x+0x%x would cross a 1 GiB boundary of guest RAM", address, length));
        }
        return p.buffer().slice((int) (address - p.base()), length).order(ByteOrder.LITTLE_ENDIAN);
    }

    boolean closed() {
        return closed;
    }

    /** Unmaps the RAM: only once no processor and no device of the partition can touch it. */
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
                LoggerFactory.getLogger(LoopbackRam.class).warn("munmap guest RAM: {}", LibC.strerror(e.getErrorCode()));
            }
        }
        pieces.clear();
    }
}
