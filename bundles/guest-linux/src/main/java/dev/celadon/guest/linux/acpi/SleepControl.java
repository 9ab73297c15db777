package dev.celadon.guest.linux.acpi;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.intercept.PortIoHandler;
import dev.celadon.hypervisor.api.intercept.Registration;

/**
 * The hardware-reduced FADT's sleep control and status registers (ports 0x600/0x601). A write with SLP_EN
 * and SLP_TYP 5 (the DSDT's \_S5_) is the guest powering itself off, as Linux's {@code poweroff} does: the
 * partition stops. Other sleep states are not offered, so other writes are ignored.
 */
public final class SleepControl implements PortIoHandler, AutoCloseable {

    private static final int SLP_EN = 0x20;
    private static final int SLP_TYP_MASK = 0x1C;

    private final Partition partition;
    private final Registration registration;

    private SleepControl(Partition partition) {
        this.partition = partition;
        this.registration = partition.intercepts().portIo(AcpiTables.SLEEP_CONTROL_PORT, 2, this);
    }

    public static SleepControl attach(Partition partition) {
        return new SleepControl(partition);
    }

    @Override
    public int read(VirtualProcessor vp, int port, int size) {
        return 0; // status: no wake event pending
    }

    @Override
    public void write(VirtualProcessor vp, int port, int size, int value) {
        if (port == AcpiTables.SLEEP_CONTROL_PORT && (value & SLP_EN) != 0
                && (value & SLP_TYP_MASK) == (AcpiTables.POWEROFF_VALUE & SLP_TYP_MASK)) {
            partition.stop();
        }
    }

    @Override
    public void close() {
        registration.close();
    }
}
