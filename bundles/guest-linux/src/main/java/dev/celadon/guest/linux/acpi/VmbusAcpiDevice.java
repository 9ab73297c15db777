package dev.celadon.guest.linux.acpi;

/**
 * The VMBus device as Linux 6.1's hv_vmbus finds it: an ACPI device with _HID "VMBus" (its acpi_driver matches
 * "VMBUS" and "VMBus") anywhere in the namespace, here {@code \_SB.VMBS}. {@code vmbus_acpi_add} evaluates _CRS
 * and fails without one, so a _CRS is always present; on x86 Linux uses only Address32/64 windows from it (an
 * MMIO pool for hyperv_fb and pci-hyperv, none here) and ignores plain IRQs, so the template is empty unless an
 * ISA IRQ is asked for (QEMU lists IRQNoFlags {7}; VMBus interrupts really arrive on the SynIC's SINT vector).
 *
 * @param isaIrq an ISA IRQ to list in _CRS, or -1 for an empty template
 */
public record VmbusAcpiDevice(int isaIrq) implements AcpiDevice {

    public static final String NAME = "VMBS";
    public static final String HID = "VMBus";

    public VmbusAcpiDevice {
        if (isaIrq < -1 || isaIrq > 15) {
            throw new IllegalArgumentException("ISA IRQ " + isaIrq);
        }
    }

    /** With an empty _CRS: nothing claimed that Linux does not use. */
    public static VmbusAcpiDevice standard() {
        return new VmbusAcpiDevice(-1);
    }

    @Override
    public void writeAml(Aml aml) {
        aml.device(NAME, d -> {
            d.hid(HID).uid(0).name("_DDN", "VMBUS").sta(0x0F);
            if (isaIrq >= 0) {
                d.crs(Aml.irqNoFlags(isaIrq));
            } else {
                d.crs();
            }
        });
    }
}
