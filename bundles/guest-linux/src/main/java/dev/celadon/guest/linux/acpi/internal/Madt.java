package dev.celadon.guest.linux.acpi.internal;

import java.nio.ByteBuffer;

/**
 * The Multiple APIC Description Table: one enabled Processor Local APIC per vCPU (APIC ID = UID = index),
 * one IOAPIC with GSI base 0, and the ISA override IRQ0 -> GSI2 (where the KVM irqchip routes the PIT).
 */
public final class Madt extends AcpiTable {
    public static final int OFF_LOCAL_APIC_ADDRESS = 36;
    public static final int OFF_FLAGS = 40;
    public static final int PCAT_COMPAT = 1;
    public static final int TYPE_LOCAL_APIC = 0;
    public static final int TYPE_IO_APIC = 1;
    public static final int TYPE_INTERRUPT_OVERRIDE = 2;
    static final int LOCAL_APIC_SIZE = 8;
    static final int IO_APIC_SIZE = 12;
    static final int OVERRIDE_SIZE = 10;
    static final int LOCAL_APIC_ENABLED = 1;

    private final int vpCount;
    private final int ioApicId;
    private final long ioApicAddress;
    private final long localApicAddress;

    public Madt(int vpCount, int ioApicId, long ioApicAddress, long localApicAddress) {
        super("APIC", 5);
        this.vpCount = vpCount;
        this.ioApicId = ioApicId;
        this.ioApicAddress = ioApicAddress;
        this.localApicAddress = localApicAddress;
    }

    public static int size(int vpCount) {
        return HEADER_SIZE + 8 + vpCount * LOCAL_APIC_SIZE + IO_APIC_SIZE + OVERRIDE_SIZE;
    }

    @Override
    protected byte[] body(long address) {
        ByteBuffer b = le(size(vpCount) - HEADER_SIZE);
        b.putInt((int) localApicAddress);
        // The KVM in-kernel irqchip has the dual 8259s too, which is what PCAT_COMPAT says.
        b.putInt(PCAT_COMPAT);
        for (int i = 0; i < vpCount; i++) {
            b.put((byte) TYPE_LOCAL_APIC).put((byte) LOCAL_APIC_SIZE).put((byte) i).put((byte) i);
            b.putInt(LOCAL_APIC_ENABLED);
        }
        b.put((byte) TYPE_IO_APIC).put((byte) IO_APIC_SIZE).put((byte) ioApicId).put((byte) 0);
        b.putInt((int) ioApicAddress);
        b.putInt(0);
        // IRQ0 -> GSI2, flags 0 = conforms to the ISA bus (edge, active high).
        b.put((byte) TYPE_INTERRUPT_OVERRIDE).put((byte) OVERRIDE_SIZE).put((byte) 0).put((byte) 0);
        b.putInt(2);
        b.putShort((short) 0);
        return b.array();
    }
}
