package dev.celadon.hypervisor.api;

import java.util.List;

/**
 * The interrupt hardware a partition really has, as its backend builds it: the local APIC of each processor,
 * the IOAPICs and the ISA overrides. The ACPI MADT is generated from this, so the tables describe what the guest
 * gets.
 *
 * @param apicIds   the local APIC ID of each virtual processor, by VP index
 * @param picPresent whether legacy 8259 PICs exist (MADT PCAT_COMPAT)
 */
public record InterruptTopology(long localApicAddress, List<Integer> apicIds, List<IoApic> ioApics,
                                List<IsaOverride> overrides, boolean picPresent) {

    public InterruptTopology {
        apicIds = List.copyOf(apicIds);
        ioApics = List.copyOf(ioApics);
        overrides = List.copyOf(overrides);
    }

    /** An IOAPIC: its ID, MMIO address, first GSI and number of pins. */
    public record IoApic(int id, long address, int gsiBase, int pins) {
    }

    /** An ISA IRQ delivered on another GSI or with other polarity/trigger (MPS INTI flags; 0 = bus default). */
    public record IsaOverride(int isaIrq, int gsi, int flags) {
    }

    /** The PC layout both backends use: APIC ID = VP index, one 24-pin IOAPIC at GSI 0, IRQ0 on GSI 2. */
    public static InterruptTopology pc(int vpCount, boolean picPresent) {
        List<Integer> ids = new java.util.ArrayList<>(vpCount);
        for (int i = 0; i < vpCount; i++) {
            ids.add(i);
        }
        return new InterruptTopology(MemoryLayout.LAPIC_BASE, ids,
                List.of(new IoApic(vpCount, MemoryLayout.IOAPIC_BASE, 0, 24)),
                List.of(new IsaOverride(0, 2, 0)), picPresent);
    }
}
