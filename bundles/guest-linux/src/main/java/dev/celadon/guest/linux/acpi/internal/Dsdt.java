package dev.celadon.guest.linux.acpi.internal;

/** The Differentiated System Description Table: a definition block of AML (revision 2: 64-bit integers). */
public final class Dsdt extends AcpiTable {
    private final byte[] aml;

    public Dsdt(byte[] aml) {
        super("DSDT", 2);
        this.aml = aml.clone();
    }

    @Override
    protected byte[] body(long address) {
        return aml.clone();
    }
}
