package dev.celadon.hypervisor.api;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A partition's guest-physical RAM as the host sees it. Every method checks that the whole range is RAM
 * and throws {@link GuestMemoryException} otherwise, so a guest-supplied address can be passed in as it is.
 * Multi-byte values are little-endian, as on x86.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface GuestMemory {

    List<MemoryRegion> regions();

    default long size() {
        return regions().stream().mapToLong(MemoryRegion::size).sum();
    }

    default boolean isRam(long address, long length) {
        for (MemoryRegion r : regions()) {
            if (r.contains(address, length)) {
                return true;
            }
        }
        return false;
    }

    void read(long address, byte[] dst, int offset, int length);

    void write(long address, byte[] src, int offset, int length);

    /**
     * A direct little-endian view of {@code length} bytes of RAM, for devices that share memory with the guest
     * (ring buffers). The view stays valid until the partition stops; the range may not cross a RAM region.
     */
    ByteBuffer view(long address, int length);

    default byte[] read(long address, int length) {
        byte[] b = new byte[length];
        read(address, b, 0, length);
        return b;
    }

    default void write(long address, byte[] src) {
        write(address, src, 0, src.length);
    }

    default int readU8(long address) {
        return view(address, 1).get(0) & 0xff;
    }

    default int readU16(long address) {
        return view(address, 2).order(ByteOrder.LITTLE_ENDIAN).getShort(0) & 0xffff;
    }

    default int readU32(long address) {
        return view(address, 4).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    default long readU64(long address) {
        return view(address, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    default void writeU8(long address, int value) {
        view(address, 1).put(0, (byte) value);
    }

    default void writeU16(long address, int value) {
        view(address, 2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) value);
    }

    default void writeU32(long address, int value) {
        view(address, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
    }

    default void writeU64(long address, long value) {
        view(address, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
    }
}
