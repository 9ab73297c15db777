package dev.celadon.guest.linux.acpi.internal;

import java.nio.ByteBuffer;

/** The Root System Description Pointer, revision 2 (ACPI 2.0+): points at the XSDT; no RSDT. */
public final class Rsdp {
    public static final int SIZE = 36;
    /** The ACPI 1.0 checksum covers the first 20 bytes, the extended checksum all 36. */
    public static final int V1_SIZE = 20;
    public static final int OFF_CHECKSUM = 8;
    public static final int OFF_REVISION = 15;
    public static final int OFF_RSDT = 16;
    public static final int OFF_LENGTH = 20;
    public static final int OFF_XSDT = 24;
    public static final int OFF_EXT_CHECKSUM = 32;
    public static final String SIGNATURE = "RSD PTR ";

    private Rsdp() {
    }

    public static byte[] bytes(long xsdtAddress) {
        ByteBuffer b = AcpiTable.le(SIZE);
        b.put(AcpiTable.ascii(SIGNATURE, 8));
        b.put((byte) 0);
        b.put(AcpiTable.ascii(AcpiTable.OEM_ID, 6));
        b.put((byte) 2);
        b.putInt(0);
        b.putInt(SIZE);
        b.putLong(xsdtAddress);
        byte[] r = b.array();
        r[OFF_CHECKSUM] = AcpiTable.checksum(r, 0, V1_SIZE);
        r[OFF_EXT_CHECKSUM] = AcpiTable.checksum(r, 0, SIZE);
        return r;
    }
}
