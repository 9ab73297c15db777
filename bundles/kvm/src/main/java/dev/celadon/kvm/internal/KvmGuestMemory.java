package dev.celadon.kvm.internal;

import com.sun.jna.Pointer;
import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.GuestMemoryException;
import dev.celadon.hypervisor.api.MemoryRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Guest RAM as the host maps it: one anonymous mapping per RAM region (MAP_NORESERVE, so untouched guest
 * memory costs nothing). Every access is checked against the regions before any pointer arithmetic.
 */
final class KvmGuestMemory implements GuestMemory {

    private final List<MemoryRegion> regions;
    private final Pointer[] hostBases;
    private volatile boolean unmapped;

    KvmGuestMemory(List<MemoryRegion> regions, Pointer[] hostBases) {
        this.regions = regions;
        this.hostBases = hostBases;
    }

    @Override
    public List<MemoryRegion> regions() {
        return regions;
    }

    /** Index of the region holding the whole range, or an exception. */
    private int region(long address, long length) {
        if (unmapped) {
            throw new GuestMemoryException(address, length);
        }
        for (int i = 0; i < regions.size(); i++) {
            if (regions.get(i).contains(address, length)) {
                return i;
            }
        }
        throw new GuestMemoryException(address, length);
    }

    @Override
    public void read(long address, byte[] dst, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, dst.length);
        int r = region(address, length);
        hostBases[r].read(address - regions.get(r).base(), dst, offset, length);
    }

    @Override
    public void write(long address, byte[] src, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        int r = region(address, length);
        hostBases[r].write(address - regions.get(r).base(), src, offset, length);
    }

    @Override
    public ByteBuffer view(long address, int length) {
        if (length < 0) {
            throw new GuestMemoryException(address, length);
        }
        int r = region(address, length);
        return hostBases[r].getByteBuffer(address - regions.get(r).base(), length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Host address of a guest-physical one, for code inside this bundle that has validated the range. */
    Pointer host(long address, long length) {
        int r = region(address, length);
        return hostBases[r].share(address - regions.get(r).base());
    }

    void markUnmapped() {
        unmapped = true;
    }
}
