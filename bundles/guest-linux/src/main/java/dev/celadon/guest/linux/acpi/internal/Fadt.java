package dev.celadon.guest.linux.acpi.internal;

import java.nio.ByteBuffer;

/**
 * The Fixed ACPI Description Table, revision 6.5, hardware-reduced: no SCI, SMI, FACS or PM register blocks.
 * Poweroff goes through the sleep control/status registers (I/O ports, see {@link #SLEEP_CONTROL_PORT}).
 */
public final class Fadt extends AcpiTable {
    public static final int SIZE = 276;
    public static final int MINOR_REVISION = 5;
    // Offsets from the start of the table
    public static final int OFF_IAPC_BOOT_ARCH = 109;
    public static final int OFF_FLAGS = 112;
    public static final int OFF_MINOR_REVISION = 131;
    public static final int OFF_X_DSDT = 140;
    public static final int OFF_SLEEP_CONTROL_REG = 244;
    public static final int OFF_SLEEP_STATUS_REG = 256;
    public static final int OFF_HYPERVISOR_VENDOR = 268;

    public static final int FLAG_PWR_BUTTON = 1 << 4; // power button is a control-method device (there is none)
    public static final int FLAG_SLP_BUTTON = 1 << 5;
    public static final int FLAG_HW_REDUCED_ACPI = 1 << 20;
    public static final int BOOT_ARCH_VGA_NOT_PRESENT = 1 << 2;
    public static final int BOOT_ARCH_MSI_NOT_PRESENT = 1 << 3;
    public static final int BOOT_ARCH_CMOS_RTC_NOT_PRESENT = 1 << 5;

    /**
     * Writing {@code SLP_TYP << 2 | SLP_EN (0x20)} here, with SLP_TYP from \_S5_ (= {@link #S5_SLP_TYP}), asks for
     * poweroff: Linux writes 0x34 as one byte. A device at this port is the hypervisor's business.
     */
    public static final int SLEEP_CONTROL_PORT = 0x600;
    /** Sleep status register (WAK_STS, bit 7); reads may return 0. */
    public static final int SLEEP_STATUS_PORT = 0x601;
    public static final int S5_SLP_TYP = 5;

    static final int GAS_SYSTEM_IO = 1;
    static final int GAS_ACCESS_BYTE = 1;

    private final long dsdtAddress;

    public Fadt(long dsdtAddress) {
        super("FACP", 6);
        this.dsdtAddress = dsdtAddress;
    }

    @Override
    protected byte[] body(long address) {
        ByteBuffer b = le(SIZE - HEADER_SIZE);
        // Everything before IAPC_BOOT_ARCH (FACS, DSDT32, SCI, SMI, PM blocks) stays 0 in hardware-reduced mode.
        b.putShort(OFF_IAPC_BOOT_ARCH - HEADER_SIZE,
                (short) (BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_MSI_NOT_PRESENT | BOOT_ARCH_CMOS_RTC_NOT_PRESENT));
        b.putInt(OFF_FLAGS - HEADER_SIZE, FLAG_HW_REDUCED_ACPI | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON);
        b.put(OFF_MINOR_REVISION - HEADER_SIZE, (byte) MINOR_REVISION);
        b.putLong(OFF_X_DSDT - HEADER_SIZE, dsdtAddress);
        gas(b, OFF_SLEEP_CONTROL_REG - HEADER_SIZE, SLEEP_CONTROL_PORT);
        gas(b, OFF_SLEEP_STATUS_REG - HEADER_SIZE, SLEEP_STATUS_PORT);
        return b.array();
    }

    /** Generic Address Structure for one byte-wide I/O port: {space, bit width, bit offset, access size, u64}. */
    private static void gas(ByteBuffer b, int off, int port) {
        b.put(off, (byte) GAS_SYSTEM_IO);
        b.put(off + 1, (byte) 8);
        b.put(off + 2, (byte) 0);
        b.put(off + 3, (byte) GAS_ACCESS_BYTE);
        b.putLong(off + 4, port);
    }
}
