package dev.celadon.guest.linux.acpi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds the tables and checks them with the real ACPICA disassembler (iasl -d) and by walking the pointers. */
class AcpiTablesTest {
    static final long BASE = 0xE0000;

    @TempDir
    Path dir;

    @Test
    void rsdpPointsThroughXsdtToAllTablesWithValidChecksums() {
        AcpiImage img = AcpiTables.build(AcpiConfig.of(4, SerialPortDevice.com1()), BASE);
        assertEquals(BASE, img.rsdpAddress());
        assertTrue(img.bytes().length <= 0x20000);
        ByteBuffer b = ByteBuffer.wrap(img.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("RSD PTR ", ascii(img.bytes(), 0, 8));
        assertEquals(2, b.get(15));
        assertEquals(36, b.getInt(20));
        assertEquals(0, sum(img.bytes(), 0, 20), "RSDP v1 checksum");
        assertEquals(0, sum(img.bytes(), 0, 36), "RSDP extended checksum");
        Map<String, Integer> tables = tables(img);
        assertEquals(List.of("XSDT", "FACP", "APIC", "DSDT"), new ArrayList<>(tables.keySet()));
        for (Map.Entry<String, Integer> t : tables.entrySet()) {
            int off = t.getValue();
            assertEquals(0, sum(img.bytes(), off, b.getInt(off + 4)), t.getKey() + " checksum");
        }
        int fadt = tables.get("FACP");
        assertEquals(276, b.getInt(fadt + 4));
        assertEquals(BASE + tables.get("DSDT"), b.getLong(fadt + 140), "X_DSDT");
        assertTrue((b.getInt(fadt + 112) & (1 << 20)) != 0, "HW_REDUCED_ACPI");
    }

    @Test
    void iaslDisassemblesEveryTableWithTheExpectedFields() throws Exception {
        AcpiImage img = AcpiTables.build(AcpiConfig.of(4, SerialPortDevice.com1()), BASE);
        Map<String, Integer> tables = tables(img);
        ByteBuffer b = ByteBuffer.wrap(img.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, String> dis = new LinkedHashMap<>();
        // iasl -d rejects a bare RSDP file ("does not contain a valid ACPI table"); the RSDP is checked in Java above.
        for (Map.Entry<String, Integer> t : tables.entrySet()) {
            int off = t.getValue();
            dis.put(t.getKey(), disassemble(t.getKey().toLowerCase(),
                    Arrays.copyOfRange(img.bytes(), off, off + b.getInt(off + 4))));
        }
        assertContains(dis.get("XSDT"), String.format("ACPI Table Address   0 : %016X", BASE + tables.get("FACP")));
        assertContains(dis.get("XSDT"), String.format("ACPI Table Address   1 : %016X", BASE + tables.get("APIC")));
        assertContains(dis.get("FACP"), "Hardware Reduced (V5) : 1");
        assertContains(dis.get("FACP"), String.format("[08Ch 0140   8] DSDT Address : %016X", BASE + tables.get("DSDT"))); // X_DSDT
        assertContains(dis.get("FACP"), "Sleep Control Register : [Generic Address Structure] [0F4h 0244   1] Space ID : 01 [SystemIO]");
        assertContains(dis.get("FACP"), "[0F8h 0248   8] Address : 0000000000000600");
        assertEquals(4, count(dis.get("APIC"), "Subtable Type : 00 [Processor Local APIC]"));
        assertEquals(4, count(dis.get("APIC"), "Processor Enabled : 1"));
        assertContains(dis.get("APIC"), "Local Apic Address : FEE00000");
        assertContains(dis.get("APIC"), "PC-AT Compatibility : 1");
        assertContains(dis.get("APIC"), "Subtable Type : 01 [I/O APIC]");
        assertContains(dis.get("APIC"), "I/O Apic ID : 04");
        assertContains(dis.get("APIC"), "Address : FEC00000");
        assertContains(dis.get("APIC"), "Interrupt : 00000002");
        String dsdt = dis.get("DSDT");
        assertContains(dsdt, "Device (COM1)");
        assertContains(dsdt, "Name (_HID, EisaId (\"PNP0501\"))");
        assertContains(dsdt, "IO (Decode16,0x03F8,0x03F8,0x01,0x08,)");
        assertContains(dsdt, "IRQNoFlags (){4}");
        assertContains(dsdt, "Name (_S5, Package (0x04){0x05,0x05,Zero,Zero})");
    }

    @Test
    void anExtraDeviceNeedsOnlyAFewLines() throws Exception {
        AcpiDevice vmbus = aml -> aml.device("VMBS", d -> d.hid("VMBus").uid(0).sta(0x0F).crs(Aml.irqNoFlags(5)));
        AcpiDevice gsi = aml -> aml.device("GSIX", d -> d.hid("ACPI0006").crs(Aml.interrupt(false, true, true, 40)));
        AcpiImage img = AcpiTables.build(AcpiConfig.of(1, SerialPortDevice.com1(), vmbus, gsi), BASE);
        int off = tables(img).get("DSDT");
        int len = ByteBuffer.wrap(img.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(off + 4);
        String dsdt = disassemble("dsdt", Arrays.copyOfRange(img.bytes(), off, off + len));
        assertContains(dsdt, "Device (VMBS)");
        assertContains(dsdt, "Name (_HID, \"VMBus\")");
        assertContains(dsdt, "IRQNoFlags (){5}");
        assertContains(dsdt, "Interrupt (ResourceConsumer, Level, ActiveLow, Shared, ,, ){0x00000028,}");
    }

    @Test
    void theVmbusDeviceIsWhatHvVmbusProbes() throws Exception {
        for (VmbusAcpiDevice vmbus : new VmbusAcpiDevice[] {VmbusAcpiDevice.standard(), new VmbusAcpiDevice(7)}) {
            AcpiImage img = AcpiTables.build(AcpiConfig.of(2, SerialPortDevice.com1(), vmbus), BASE);
            int off = tables(img).get("DSDT");
            int len = ByteBuffer.wrap(img.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(off + 4);
            String dsdt = disassemble("dsdt", Arrays.copyOfRange(img.bytes(), off, off + len));
            assertContains(dsdt, "Scope (\\_SB){Device (COM1)");
            assertContains(dsdt, "Device (VMBS){Name (_HID, \"VMBus\")Name (_UID, Zero)Name (_DDN, \"VMBUS\")"
                    + "Name (_STA, 0x0F)Name (_CRS, ");
            if (vmbus.isaIrq() >= 0) {
                assertContains(dsdt, "IRQNoFlags (){7}");
            } else {
                // iasl shows an empty template as the bytes it is: the end tag alone
                assertContains(dsdt, "Device (VMBS){Name (_HID, \"VMBus\")Name (_UID, Zero)Name (_DDN, \"VMBUS\")"
                        + "Name (_STA, 0x0F)Name (_CRS, Buffer (0x02){0x79, 0x00})}");
            }
        }
    }

    @Test
    void eisaIdEncoding() {
        assertEquals(0x0105D041L, Aml.eisaId("PNP0501"));
    }

    @Test
    void sixtyFourAnd255VcpusFitAnd256IsRefused() throws Exception {
        for (int n : new int[] {64, 255}) {
            AcpiImage img = AcpiTables.build(AcpiConfig.of(n, SerialPortDevice.com1()), BASE);
            assertTrue(img.end() <= 0x100000);
            int off = tables(img).get("APIC");
            int len = ByteBuffer.wrap(img.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(off + 4);
            String madt = disassemble("apic" + n, Arrays.copyOfRange(img.bytes(), off, off + len));
            assertEquals(n, count(madt, "[Processor Local APIC]"));
        }
        AcpiException e = assertThrows(AcpiException.class, () -> AcpiTables.build(AcpiConfig.of(256), BASE));
        assertContains(e.getMessage(), "255 vCPUs");
        assertThrows(AcpiException.class, () -> AcpiTables.build(AcpiConfig.of(0), BASE));
    }

    @Test
    void tooManyDevicesForTheAcpiRegionIsAClearError() {
        List<AcpiDevice> many = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            many.add(new SerialPortDevice("S" + Integer.toHexString(i).toUpperCase(), 0x1000 + i, 4));
        }
        AcpiException e = assertThrows(AcpiException.class, () -> AcpiTables.build(
                new AcpiConfig(dev.celadon.hypervisor.api.InterruptTopology.pc(1, true), many), BASE));
        assertContains(e.getMessage(), "0xE0000-0xFFFFF");
    }

    // --- helpers

    /** Signature -> offset in the image, following RSDP -> XSDT -> FADT -> X_DSDT. */
    static Map<String, Integer> tables(AcpiImage img) {
        ByteBuffer b = ByteBuffer.wrap(img.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Integer> m = new LinkedHashMap<>();
        int xsdt = (int) (b.getLong(24) - img.baseAddress());
        m.put(ascii(img.bytes(), xsdt, 4), xsdt);
        int entries = (b.getInt(xsdt + 4) - 36) / 8;
        for (int i = 0; i < entries; i++) {
            int off = (int) (b.getLong(xsdt + 36 + 8 * i) - img.baseAddress());
            m.put(ascii(img.bytes(), off, 4), off);
        }
        int dsdt = (int) (b.getLong(m.get("FACP") + 140) - img.baseAddress());
        m.put(ascii(img.bytes(), dsdt, 4), dsdt);
        return m;
    }

    /** Runs iasl -d on the table; fails on a non-zero exit or any reported error. Whitespace is normalised. */
    String disassemble(String name, byte[] table) throws IOException, InterruptedException {
        Path dat = dir.resolve(name + ".dat");
        Files.write(dat, table);
        Process p = new ProcessBuilder("iasl", "-d", dat.getFileName().toString()).directory(dir.toFile())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "iasl -d " + name + ":\n" + log);
        assertTrue(!log.contains("Error") && !log.contains("Invalid"), log);
        String dsl = Files.readString(dir.resolve(name + ".dsl"));
        assertTrue(!dsl.contains("Invalid") && !dsl.contains("**** "), dsl);
        return squeeze(dsl.replaceAll("/\\*(?s:.*?)\\*/", "").replaceAll("//[^\\n]*", ""));
    }

    /** Compares without whitespace, so iasl's line breaks and column padding do not matter. */
    static String squeeze(String s) {
        return s.replaceAll("\\s+", "");
    }

    static void assertContains(String text, String expected) {
        assertTrue(squeeze(text).contains(squeeze(expected)), () -> "expected \"" + expected + "\" in:\n" + text);
    }

    static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(squeeze(what))).matcher(squeeze(text));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    static int sum(byte[] b, int off, int len) {
        int s = 0;
        for (int i = off; i < off + len; i++) {
            s += b[i];
        }
        return s & 0xFF;
    }

    static String ascii(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.US_ASCII);
    }
}
