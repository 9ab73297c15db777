package dev.celadon.hypervisor.api;

/** A contiguous range of guest-physical RAM. */
public record MemoryRegion(long base, long size) {
    public MemoryRegion {
        if (base < 0 || size <= 0 || base + size < base) {
            throw new IllegalArgumentException("bad memory region base=0x" + Long.toHexString(base) + " size=" + size);
        }
    }

    public long end() {
        return base + size;
    }

    public boolean contains(long address, long length) {
        return length >= 0 && address >= base && address <= end() - length;
    }
}
