package dev.celadon.chipset;

import java.util.ArrayList;
import java.util.List;

/**
 * The interrupt hardware of a partition as the ACPI MADT describes it (ACPI 6.5 5.2.12): one Processor Local APIC
 * (or Local x2APIC) structure per APIC ID, one I/O APIC structure, and the Interrupt Source Overrides. ISA IRQs
 * without an override map identically to GSIs, edge-triggered, active high.
 *
 * @param localApicAddress the MADT's local interrupt controller address
 * @param apicIds          the APIC ID of each virtual processor, by VP index
 * @param ioApicId         the IOAPIC's ID
 * @param ioApicAddress    the IOAPIC's MMIO address
 * @param gsiBase          the GSI of IOAPIC pin 0
 * @param ioApicPins       number of IOAPIC pins
 * @param overrides        the ISA interrupt source overrides
 */
public record InterruptTopology(long localApicAddress, List<Integer> apicIds, int ioApicId, long ioApicAddress,
                                int gsiBase, int ioApicPins, List<IsaOverride> overrides) {

    /** MPS INTI flags (ACPI table 5.50): polarity bits 1:0, trigger mode bits 3:2; 0 = conforms to the bus (ISA: edge, high). */
    public static final int INTI_CONFORMS = 0;
    public static final int INTI_ACTIVE_HIGH = 0b01;
    public static final int INTI_ACTIVE_LOW = 0b11;
    public static final int INTI_EDGE = 0b01 << 2;
    public static final int INTI_LEVEL = 0b11 << 2;

    /** The PC's one override: the timer's IRQ 0 on GSI 2 (where the IOAPIC's pin 2 is wired on a PC). */
    public static final List<IsaOverride> PC_OVERRIDES = List.of(new IsaOverride(0, 2, INTI_CONFORMS));

    public InterruptTopology {
        apicIds = List.copyOf(apicIds);
        overrides = List.copyOf(overrides);
    }

    /** An ISA IRQ delivered on another GSI or with other polarity/trigger. */
    public record IsaOverride(int isaIrq, int gsi, int flags) {
    }

    /** What {@code bus} and {@code ioApic} really are, with the PC override. */
    public static InterruptTopology of(ApicBus bus, IoApic ioApic) {
        List<Integer> ids = new ArrayList<>();
        for (LocalApic a : bus.processors()) {
            ids.add(a.apicId());
        }
        return new InterruptTopology(ApicRegisters.DEFAULT_BASE, ids, ioApic.id(), ioApic.address(),
                ioApic.gsiBase(), ioApic.pins(), PC_OVERRIDES);
    }

    /** The GSI an ISA IRQ arrives on. */
    public int gsiForIsaIrq(int irq) {
        for (IsaOverride o : overrides) {
            if (o.isaIrq() == irq) {
                return o.gsi();
            }
        }
        return irq;
    }

    /** Whether the x2APIC MADT structure is needed (an APIC ID of 255 or more does not fit the xAPIC one). */
    public boolean needsX2apicEntries() {
        return apicIds.stream().anyMatch(id -> id >= 0xFF);
    }
}
