package dev.celadon.guest.linux.acpi;

import dev.celadon.hypervisor.api.InterruptTopology;

import java.util.List;

/**
 * What the ACPI tables describe.
 *
 * @param interrupts the partition's interrupt hardware as its backend built it: the MADT describes exactly this
 *                   (one processor per APIC ID, processor UID = VP index, 1 to {@link AcpiTables#MAX_VP_COUNT})
 * @param devices    devices in the DSDT's \_SB scope
 */
public record AcpiConfig(InterruptTopology interrupts, List<AcpiDevice> devices) {
    public static final long DEFAULT_IOAPIC = 0xFEC0_0000L;
    public static final long DEFAULT_LAPIC = 0xFEE0_0000L;

    public AcpiConfig {
        if (interrupts == null || interrupts.ioApics().isEmpty()) {
            throw new IllegalArgumentException("ACPI tables need an interrupt topology with an IOAPIC");
        }
        devices = List.copyOf(devices);
    }

    /** The PC topology (with legacy PICs, as KVM's irqchip has) and the given devices. */
    public static AcpiConfig of(int vpCount, AcpiDevice... devices) {
        return new AcpiConfig(InterruptTopology.pc(vpCount, true), List.of(devices));
    }

    public int vpCount() {
        return interrupts.apicIds().size();
    }
}
