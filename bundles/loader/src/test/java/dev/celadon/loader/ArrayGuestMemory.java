package dev.celadon.loader;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.GuestMemoryException;
import dev.celadon.hypervisor.api.MemoryRegion;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Guest RAM over plain byte arrays, one per region, with bounds checks like the real one; counts writes. */
final class ArrayGuestMemory implements GuestMemory {
    private final List<MemoryRegion> regions;
    private final List<byte[]> ram = new ArrayList<>();
    int writes;
    /** The longest single write(): a loader streaming a file writes it in bounded pieces. */
    int maxWrite;

    ArrayGuestMemory(List<MemoryRegion> regions, byte fill) {
        this.regions = List.copyOf(regions);
        for (MemoryRegion r : regions) {
            byte[] b = new byte[Math.toIntExact(r.size())];
            java.util.Arrays.fill(b, fill);
            ram.add(b);
        }
    }

    static ArrayGuestMemory of(long size) {
        return new ArrayGuestMemory(List.of(new MemoryRegion(0, size)), (byte) 0xCC);
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

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        int i = index(address, length);
        System.arraycopy(ram.get(i), (int) (address - regions.get(i).base()), dst, offset, length);
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        int i = index(address, length);
        writes++;
        maxWrite = Math.max(maxWrite, length);
        System.arraycopy(src, offset, ram.get(i), (int) (address - regions.get(i).base()), length);
    }

    @Override
    public ByteBuffer view(long address, int length) {
        int i = index(address, length);
        writes++; // a view may be written through
        return ByteBuffer.wrap(ram.get(i), (int) (address - regions.get(i).base()), length).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** All of region {@code i}, to compare two loads byte for byte. */
    byte[] region(int i) {
        return ram.get(i);
    }

    /** Reads without counting (the default readU* methods go through view). */
    long u64(long address) {
        byte[] b = read(address, 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    long u32(long address) {
        byte[] b = read(address, 4);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffff_ffffL;
    }

    int u16(long address) {
        byte[] b = read(address, 2);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
    }

    int u8(long address) {
        return read(address, 1)[0] & 0xff;
    }
}
