package dev.celadon.guest.linux.acpi.internal;

import dev.celadon.hypervisor.api.InterruptTopology;

import java.nio.ByteBuffer;

/**
 * The Multiple APIC Description Table, generated from the partition's interrupt topology: one enabled Processor
 * Local APIC per vCPU (UID = VP index), its IOAPICs, and its ISA overrides (IRQ0 -> GSI2 on the PC layout).
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

    private final InterruptTopology topology;

    public Madt(InterruptTopology topology) {
        super("APIC", 5);
        this.topology = topology;
    }

    public static int size(InterruptTopology t) {
        return HEADER_SIZE + 8 + t.apicIds().size() * LOCAL_APIC_SIZE + t.ioApics().size() * IO_APIC_SIZE
                + t.overrides().size() * OVERRIDE_SIZE;
    }

    @Override
    protected byte[] body(long address) {
        ByteBuffer b = le(size(topology) - HEADER_SIZE);
        b.putInt((int) topology.localApicAddress());
        // PCAT_COMPAT says the dual 8259s exist (KVM's irqchip has them; the emulator has none).
        b.putInt(topology.picPresent() ? PCAT_COMPAT : 0);
        for (int i = 0; i < topology.apicIds().size(); i++) {
            b.put((byte) TYPE_LOCAL_APIC).put((byte) LOCAL_APIC_SIZE).put((byte) i)
                    .put((byte) (int) topology.apicIds().get(i));
            b.putInt(LOCAL_APIC_ENABLED);
        }
        for (InterruptTopology.IoApic io : topology.ioApics()) {
            b.put((byte) TYPE_IO_APIC).put((byte) IO_APIC_SIZE).put((byte) io.id()).put((byte) 0);
            b.putInt((int) io.address());
            b.putInt(io.gsiBase());
        }
        // Flags 0 = conforms to the ISA bus (edge, active high).
        for (InterruptTopology.IsaOverride o : topology.overrides()) {
            b.put((byte) TYPE_INTERRUPT_OVERRIDE).put((byte) OVERRIDE_SIZE).put((byte) 0).put((byte) o.isaIrq());
            b.putInt(o.gsi());
            b.putShort((short) o.flags());
        }
        return b.array();
    }
}
