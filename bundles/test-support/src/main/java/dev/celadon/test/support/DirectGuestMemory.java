package dev.celadon.test.support;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.GuestMemoryException;
import dev.celadon.hypervisor.api.MemoryRegion;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM over direct byte buffers (one per region, like the real backends' mappings), bounds-checked like
 * the real one. Every range handed out by view(), read() or write() is recorded, so tests can check that code
 * under test touched only the pages it was given.
 */
public final class DirectGuestMemory implements GuestMemory {
    private final List<MemoryRegion> regions;
    private final List<ByteBuffer> ram = new ArrayList<>();
    private final List<long[]> accesses = new ArrayList<>();
    private volatile boolean recording = true;

    public DirectGuestMemory(List<MemoryRegion> regions, byte fill) {
        this(regions, fill, true);
    }

    /** With {@code direct} false the RAM is heap arrays, as in the loader's tests. */
    public DirectGuestMemory(List<MemoryRegion> regions, byte fill, boolean direct) {
        this.regions = List.copyOf(regions);
        for (MemoryRegion r : regions) {
            int size = Math.toIntExact(r.size());
            ByteBuffer b = (direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < b.capacity(); i++) {
                b.put(i, fill);
            }
            ram.add(b);
        }
    }

    public static DirectGuestMemory of(long size, byte fill) {
        return new DirectGuestMemory(List.of(new MemoryRegion(0, size)), fill);
    }

    @Override
    public List<MemoryRegion> regions() {
        return regions;
    }

    private int index(long address, long length) {
        for (int i = 0; i < regions.size(); i++) {
            if (regions.get(i).contains(address, length)) {
                return i;
            }
        }
        throw new GuestMemoryException(address, length);
    }

    private void record(long address, long length) {
        if (recording) {
            synchronized (this) {
                accesses.add(new long[] {address, length});
            }
        }
    }

    /**
     * Whether accesses are recorded (on by default). Long runs that do not check them (fuzzing, benchmarks)
     * turn it off: the list would otherwise grow by every access for the whole run.
     */
    public void recordAccesses(boolean on) {
        recording = on;
    }

    /** Every range handed out or copied so far. */
    public synchronized List<long[]> accesses() {
        return new ArrayList<>(accesses);
    }

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        int i = index(address, length);
        record(address, length);
        ram.get(i).get((int) (address - regions.get(i).base()), dst, offset, length);
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        int i = index(address, length);
        record(address, length);
        ram.get(i).put((int) (address - regions.get(i).base()), src, offset, length);
    }

    @Override
    public ByteBuffer view(long address, int length) {
        int i = index(address, length);
        record(address, length);
        return ram.get(i).slice((int) (address - regions.get(i).base()), length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads without recording: the test's own look at memory. */
    public byte[] peek(long address, int length) {
        int i = index(address, length);
        byte[] b = new byte[length];
        ram.get(i).get((int) (address - regions.get(i).base()), b, 0, length);
        return b;
    }

    /** Writes without recording: the test playing the other side. */
    public void poke(long address, byte[] b) {
        int i = index(address, b.length);
        ram.get(i).put((int) (address - regions.get(i).base()), b, 0, b.length);
    }

    public long peek32(long address) {
        return ByteBuffer.wrap(peek(address, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffff_ffffL;
    }

    public void poke32(long address, int v) {
        poke(address, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    public void poke16(long address, int v) {
        poke(address, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
    }
}
