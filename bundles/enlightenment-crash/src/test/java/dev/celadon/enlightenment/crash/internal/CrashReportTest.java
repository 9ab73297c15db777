package dev.celadon.enlightenment.crash.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.test.support.DirectGuestMemory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The failure reason made from the crash parameters and the message in real guest memory. */
class CrashReportTest {

    private final DirectGuestMemory mem = DirectGuestMemory.of(1 << 20, (byte) 0);

    private long[] params(long gpa, long length) {
        return new long[] {0xA, 0xB, 0xC, gpa, length};
    }

    @Test
    void theMessageIsReadFromGuestMemoryAndItsPanicLineComesFirst() {
        byte[] text = ("[    1.0] sysrq: Trigger a crash\n[    1.0] Kernel panic - not syncing: sysrq triggered crash\n"
                + "[    1.0] CPU: 0 PID: 1 Comm: sh\n\0\0\0").getBytes(StandardCharsets.US_ASCII);
        mem.write(0x5000, text);
        String r = new CrashReport(params(0x5000, text.length), true).describe(mem);
        assertTrue(r.startsWith("guest crashed: [    1.0] Kernel panic - not syncing: sysrq triggered crash (crash MSRs "
                + "P0=0xa P1=0xb P2=0xc P3=0x5000 P4=0x" + Integer.toHexString(text.length) + ")\n"), r);
        assertTrue(r.endsWith("--- guest panic log ---\n[    1.0] sysrq: Trigger a crash\n"
                + "[    1.0] Kernel panic - not syncing: sysrq triggered crash\n[    1.0] CPU: 0 PID: 1 Comm: sh"), r);
    }

    @Test
    void aFullPageIsAcceptedAndWithoutAPanicLineTheLastLineLeads() {
        byte[] page = new byte[4096];
        java.util.Arrays.fill(page, (byte) 'x');
        page[100] = '\n';
        mem.write(0x8000, page);
        String r = new CrashReport(params(0x8000, 4096), true).describe(mem);
        assertTrue(r.startsWith("guest crashed: " + "x".repeat(3995) + " ("), r.substring(0, 60));
        assertTrue(r.endsWith("x".repeat(3995)));
    }

    @Test
    void badLengthsAndAddressesOutsideRamAreRefusedButTheCrashIsStillReported() {
        assertEquals("guest crashed (crash MSRs P0=0xa P1=0xb P2=0xc P3=0x5000 P4=0x1001); its panic message was refused: "
                + "length 4097 outside 1..4096 bytes", new CrashReport(params(0x5000, 4097), true).describe(mem));
        assertTrue(new CrashReport(params(0x5000, 0), true).describe(mem).endsWith("length 0 outside 1..4096 bytes"));
        assertTrue(new CrashReport(params(0x5000, -1), true).describe(mem)
                .endsWith("length 18446744073709551615 outside 1..4096 bytes"));
        assertTrue(new CrashReport(params((1 << 20) - 16, 32), true).describe(mem)
                .endsWith("0xffff0..0x10000f is not partition RAM"));
        assertTrue(new CrashReport(params(0xFFFF_FFFF_FFFF_F000L, 16), true).describe(mem).contains("is not partition RAM"));
        assertEquals("guest crashed (crash MSRs P0=0xa P1=0xb P2=0xc P3=0x5000 P4=0x10); no panic message",
                new CrashReport(params(0x5000, 16), false).describe(mem));
    }
}
