package dev.celadon.guest.linux.acpi;

/** A 16550-compatible UART (PNP0501) with its I/O range and ISA IRQ, e.g. COM1 at 0x3F8, IRQ 4. */
public record SerialPortDevice(String name, int ioBase, int irq) implements AcpiDevice {
    public static final int IO_LENGTH = 8;

    public SerialPortDevice {
        if (ioBase < 0 || ioBase > 0xFFFF - IO_LENGTH + 1) {
            throw new IllegalArgumentException("I/O base " + ioBase);
        }
        if (irq < 0 || irq > 15) {
            throw new IllegalArgumentException("ISA IRQ " + irq);
        }
    }

    public static SerialPortDevice com1() {
        return new SerialPortDevice("COM1", 0x3F8, 4);
    }

    @Override
    public void writeAml(Aml aml) {
        aml.device(name, d -> d
                .hid("PNP0501")
                .uid(uidFromName())
                .sta(0x0F)
                .crs(Aml.io(ioBase, ioBase, 1, IO_LENGTH), Aml.irqNoFlags(irq)));
    }

    // COM1 -> 1, COM2 -> 2; any other name gets its I/O base so UIDs stay distinct.
    private long uidFromName() {
        char last = name.charAt(name.length() - 1);
        return Character.isDigit(last) ? last - '0' : ioBase;
    }
}
