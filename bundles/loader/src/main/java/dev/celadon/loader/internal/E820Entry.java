package dev.celadon.loader.internal;

import dev.celadon.hypervisor.api.MemoryRegion;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** One memory-map entry as both the zero page (e820) and PVH (hvm_memmap_table_entry) describe memory. */
public record E820Entry(long address, long size, int type) {
    public static final int RAM = 1;
    public static final int RESERVED = 2;
    /** struct boot_e820_entry: u64 addr, u64 size, u32 type, packed. */
    public static final int ZEROPAGE_SIZE = 20;

    /**
     * RAM regions as type 1 with the ACPI region cut out of them and listed as reserved, ordered by address
     * and non-overlapping, so the guest never allocates over its tables.
     */
    public static List<E820Entry> map(List<MemoryRegion> ram, MemoryRegion acpi) {
        List<E820Entry> out = new ArrayList<>();
        for (MemoryRegion r : ram) {
            if (acpi == null || acpi.end() <= r.base() || acpi.base() >= r.end()) {
                out.add(new E820Entry(r.base(), r.size(), RAM));
                continue;
            }
            if (acpi.base() > r.base()) {
                out.add(new E820Entry(r.base(), acpi.base() - r.base(), RAM));
            }
            if (acpi.end() < r.end()) {
                out.add(new E820Entry(acpi.end(), r.end() - acpi.end(), RAM));
            }
        }
        if (acpi != null) {
            out.add(new E820Entry(acpi.base(), acpi.size(), RESERVED));
        }
        out.sort(Comparator.comparingLong(E820Entry::address));
        return out;
    }

    void writeZeroPage(byte[] b, int off) {
        Bytes.put64(b, off, address);
        Bytes.put64(b, off + 8, size);
        Bytes.put32(b, off + 16, type);
    }
}
