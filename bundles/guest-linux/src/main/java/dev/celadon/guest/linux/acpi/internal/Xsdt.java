package dev.celadon.guest.linux.acpi.internal;

import java.nio.ByteBuffer;

/** The Extended System Description Table: 64-bit addresses of the other tables (FADT, MADT). */
public final class Xsdt extends AcpiTable {
    private final long[] entries;

    public Xsdt(long... entries) {
        super("XSDT", 1);
        this.entries = entries.clone();
    }

    public static int size(int entries) {
        return HEADER_SIZE + 8 * entries;
    }

    @Override
    protected byte[] body(long address) {
        ByteBuffer b = le(8 * entries.length);
        for (long e : entries) {
            b.putLong(e);
        }
        return b.array();
    }
}
