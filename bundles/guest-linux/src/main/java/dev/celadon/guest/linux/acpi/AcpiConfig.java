package dev.celadon.guest.linux.acpi;

import java.util.List;

/**
 * What the ACPI tables describe.
 *
 * @param vpCount          virtual processors, 1 to {@link AcpiTables#MAX_VP_COUNT}; APIC ID = processor UID = index
 * @param ioApicAddress    the IOAPIC's MMIO base (0xFEC00000)
 * @param localApicAddress the local APICs' MMIO base (0xFEE00000)
 * @param devices          devices in the DSDT's \_SB scope
 */
public record AcpiConfig(int vpCount, long ioApicAddress, long localApicAddress, List<AcpiDevice> devices) {
    public static final long DEFAULT_IOAPIC = 0xFEC0_0000L;
    public static final long DEFAULT_LAPIC = 0xFEE0_0000L;

    public AcpiConfig {
        devices = List.copyOf(devices);
    }

    /** The PC addresses and the given devices. */
    public static AcpiConfig of(int vpCount, AcpiDevice... devices) {
        return new AcpiConfig(vpCount, DEFAULT_IOAPIC, DEFAULT_LAPIC, List.of(devices));
    }
}
