package dev.celadon.hypervisor.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The guest-physical map every Celadon partition uses: RAM from 0 up to 3 GiB, a hole for MMIO
 * (IOAPIC at 0xFEC00000, local APICs at 0xFEE00000) up to 4 GiB, and the rest of RAM from 4 GiB.
 * That is the PC layout Linux and the micro-guests expect.
 */
public final class MemoryLayout {
    public static final long LOW_RAM_LIMIT = 0xC000_0000L;
    public static final long HIGH_RAM_BASE = 0x1_0000_0000L;
    public static final long IOAPIC_BASE = 0xFEC0_0000L;
    public static final long LAPIC_BASE = 0xFEE0_0000L;

    private final long ramSize;
    private final List<MemoryRegion> ram;

    private MemoryLayout(long ramSize) {
        this.ramSize = ramSize;
        List<MemoryRegion> regions = new ArrayList<>(2);
        long low = Math.min(ramSize, LOW_RAM_LIMIT);
        regions.add(new MemoryRegion(0, low));
        if (ramSize > low) {
            regions.add(new MemoryRegion(HIGH_RAM_BASE, ramSize - low));
        }
        this.ram = List.copyOf(regions);
    }

    public static MemoryLayout forRamSize(long ramSize) {
        if (ramSize <= 0 || ramSize % (1 << 20) != 0) {
            throw new HypervisorException("memory size must be a positive whole number of MiB, got " + ramSize + " bytes");
        }
        return new MemoryLayout(ramSize);
    }

    public long ramSize() {
        return ramSize;
    }

    /** RAM regions in ascending order. */
    public List<MemoryRegion> ram() {
        return ram;
    }

    /** The first guest-physical address above all RAM. */
    public long topOfRam() {
        return ram.get(ram.size() - 1).end();
    }
}
