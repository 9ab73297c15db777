package dev.celadon.guest.linux.acpi;

import dev.celadon.guest.linux.acpi.internal.Dsdt;
import dev.celadon.guest.linux.acpi.internal.Fadt;
import dev.celadon.guest.linux.acpi.internal.Madt;
import dev.celadon.guest.linux.acpi.internal.Rsdp;
import dev.celadon.guest.linux.acpi.internal.Xsdt;

import java.io.ByteArrayOutputStream;

/**
 * Builds the guest's ACPI tables as one image: RSDP (at the base, 16-byte aligned so a legacy scan of
 * 0xE0000-0xFFFFF finds it too), XSDT, FADT, MADT, DSDT, each 16-byte aligned.
 *
 * <p>Decisions: the FADT is hardware-reduced, so there is no SCI and no IRQ9 override; poweroff uses the FADT
 * sleep control register at I/O port {@link Fadt#SLEEP_CONTROL_PORT} (0x600) with \_S5_ = {5, 5}. The MADT sets
 * PCAT_COMPAT (KVM's irqchip has the 8259 pair) and gives the IOAPIC the ID {@code vpCount}, one past the last
 * local APIC ID, so no IDs collide.
 */
public final class AcpiTables {
    /** xAPIC IDs 0-254 (255 is broadcast), so at most 255 vCPUs in Processor Local APIC entries. */
    public static final int MAX_VP_COUNT = 255;
    /** The BIOS area the tables live in: 0xE0000-0xFFFFF. */
    public static final int MAX_SIZE = 0x20000;
    static final int ALIGN = 16;
    /** I/O port of the FADT sleep control register; a byte write of {@link #POWEROFF_VALUE} there means S5. */
    public static final int SLEEP_CONTROL_PORT = Fadt.SLEEP_CONTROL_PORT;
    /** I/O port of the FADT sleep status register (reads may return 0). */
    public static final int SLEEP_STATUS_PORT = Fadt.SLEEP_STATUS_PORT;
    /** SLP_TYP 5 (from \_S5_) in bits 4:2 plus SLP_EN (bit 5), as Linux writes it for poweroff. */
    public static final int POWEROFF_VALUE = Fadt.S5_SLP_TYP << 2 | 0x20;

    private AcpiTables() {
    }

    public static AcpiImage build(AcpiConfig config, long baseAddress) {
        if (config.vpCount() < 1 || config.vpCount() > MAX_VP_COUNT) {
            throw new AcpiException("ACPI MADT describes 1 to " + MAX_VP_COUNT + " vCPUs (xAPIC IDs 0-254), not "
                    + config.vpCount());
        }
        if (baseAddress < 0 || baseAddress % ALIGN != 0) {
            throw new AcpiException("ACPI tables need a 16-byte aligned base, not 0x" + Long.toHexString(baseAddress));
        }
        Aml aml = new Aml();
        aml.scope("\\_SB", sb -> config.devices().forEach(d -> d.writeAml(sb)));
        aml.namePackage("_S5", Fadt.S5_SLP_TYP, Fadt.S5_SLP_TYP, 0, 0);
        byte[] dsdtAml = aml.toBytes();

        long rsdp = baseAddress;
        long xsdt = align(rsdp + Rsdp.SIZE);
        long fadt = align(xsdt + Xsdt.size(2));
        long madt = align(fadt + Fadt.SIZE);
        long dsdt = align(madt + Madt.size(config.interrupts()));
        long end = dsdt + Dsdt.HEADER_SIZE + dsdtAml.length;
        if (end - baseAddress > MAX_SIZE) {
            throw new AcpiException("ACPI tables need " + (end - baseAddress) + " bytes, more than the "
                    + MAX_SIZE + "-byte ACPI region (0xE0000-0xFFFFF); too many DSDT devices");
        }
        if (end > 0x1_0000_0000L) {
            throw new AcpiException("ACPI tables must lie below 4 GiB");
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        put(out, baseAddress, rsdp, Rsdp.bytes(xsdt));
        put(out, baseAddress, xsdt, new Xsdt(fadt, madt).bytes(xsdt));
        put(out, baseAddress, fadt, new Fadt(dsdt).bytes(fadt));
        put(out, baseAddress, madt, new Madt(config.interrupts()).bytes(madt));
        put(out, baseAddress, dsdt, new Dsdt(dsdtAml).bytes(dsdt));
        return new AcpiImage(baseAddress, out.toByteArray(), rsdp);
    }

    private static long align(long v) {
        return (v + ALIGN - 1) & -ALIGN;
    }

    private static void put(ByteArrayOutputStream out, long base, long address, byte[] table) {
        while (base + out.size() < address) {
            out.write(0);
        }
        out.writeBytes(table);
    }
}
