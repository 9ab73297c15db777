package dev.celadon.guest.micro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicroGuestsTest {

    private static final List<String> ALL = List.of("badpt", "bench", "cpubench", "demo", "faulty", "garbage", "hvbench", "hvenl", "hvpack", "hvtest", "smp",
            "spin", "triple", "wildjump");

    /** The native build of the cpubench workload, made by this module's make (see src/main/c/Makefile). */
    private static final Path NATIVE = Path.of(System.getProperty("basedir", "."), "target", "micro-guest-objects",
            "cpubench-native");

    @Test
    void everyGuestIsAnX8664ElfWithAPvhEntryNoteInsideItsCode() {
        assertEquals(ALL, List.copyOf(MicroGuests.names()));
        for (String name : MicroGuests.names()) {
            byte[] elf = MicroGuests.image(name);
            ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x464C457F, b.getInt(0), name + " is not an ELF");
            assertEquals(2, elf[4], name + " is not ELF64");
            assertEquals(1, elf[5], name + " is not little-endian");
            assertEquals(62, b.getShort(18), name + " is not x86-64");
            long phoff = b.getLong(32);
            int phentsize = b.getShort(54), phnum = b.getShort(56);
            long entry = -1;
            for (int i = 0; i < phnum; i++) {
                int ph = (int) (phoff + (long) i * phentsize);
                if (b.getInt(ph) == 4) { // PT_NOTE: namesz, descsz, type, name, desc, each 4-aligned
                    int off = (int) b.getLong(ph + 8), end = off + (int) b.getLong(ph + 32);
                    while (off + 12 <= end) {
                        int namesz = b.getInt(off), descsz = b.getInt(off + 4), type = b.getInt(off + 8);
                        String owner = new String(elf, off + 12, Math.max(0, namesz - 1), StandardCharsets.US_ASCII);
                        int desc = off + 12 + ((namesz + 3) & ~3);
                        if (owner.equals("Xen") && type == 18) { // XEN_ELFNOTE_PHYS32_ENTRY
                            entry = Integer.toUnsignedLong(b.getInt(desc));
                        }
                        off = desc + ((descsz + 3) & ~3);
                    }
                }
            }
            assertTrue(entry >= 0, name + " has no XEN_ELFNOTE_PHYS32_ENTRY note");
            boolean inCode = false;
            for (int i = 0; i < phnum; i++) {
                int ph = (int) (phoff + (long) i * phentsize);
                long paddr = b.getLong(ph + 24), filesz = b.getLong(ph + 32);
                boolean exec = (b.getInt(ph + 4) & 1) != 0;
                if (b.getInt(ph) == 1 && exec && entry >= paddr && entry < paddr + filesz) { // PT_LOAD, PF_X
                    inCode = true;
                    long fileOff = b.getLong(ph + 8) + (entry - paddr);
                    // start.S begins with CLI; CLD, in 32-bit code: what a PVH entry must be
                    assertEquals((byte) 0xFA, elf[(int) fileOff], name + ": no CLI at the PVH entry");
                    assertEquals((byte) 0xFC, elf[(int) fileOff + 1], name + ": no CLD after it");
                }
            }
            assertTrue(inCode, name + ": PVH entry 0x" + Long.toHexString(entry) + " is not in a loaded executable segment");
        }
    }

    @Test
    void theHostileGuestsAreNamedAndBuilt() {
        assertEquals(List.of("badpt", "garbage", "spin", "triple", "wildjump"), List.copyOf(MicroGuests.hostile()));
        for (String name : MicroGuests.hostile()) {
            String banner = "CELADON-" + name.toUpperCase();
            assertTrue(new String(MicroGuests.image(name), StandardCharsets.ISO_8859_1).contains(banner),
                    name + " does not say what it is about to do");
        }
    }

    @Test
    void anUnknownNameSaysWhichExist() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MicroGuests.image("windows"));
        assertTrue(e.getMessage().contains("demo"), e.getMessage());
    }

    private static String nativeCpubench(int iters) throws Exception {
        assertTrue(Files.isExecutable(NATIVE), "the build made no " + NATIVE);
        Process p = new ProcessBuilder(NATIVE.toString(), "iters=" + iters).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("cpubench-native iters=" + iters + " did not finish");
        }
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("CELADON-CPUBENCH iters=" + iters + "\n"), out);
        assertTrue(out.endsWith("CELADON-CPUBENCH done\n"), out);
        for (String line : out.split("\n")) {
            if (line.startsWith("CELADON-CPUBENCH checksum=0x")) {
                return line.substring("CELADON-CPUBENCH checksum=".length());
            }
        }
        throw new AssertionError("no checksum in " + out);
    }

    @Test
    void theNativeCpubenchIsRepeatableAndDependsOnIters() throws Exception {
        String three = nativeCpubench(3);
        System.out.println("cpubench-native iters=3 checksum=" + three);
        assertEquals(three, nativeCpubench(3), "the workload is not deterministic");
        assertNotEquals(three, nativeCpubench(2), "the checksum does not depend on the work done");
        assertNotEquals("0x0", three);
    }

    @Test
    void cpubenchUnderQemuGivesTheNativeChecksumAndPowersOff() throws Exception {
        assumeTrue(QemuRun.available(), "qemu-system-x86_64 is not installed (scripts/prerequisites.sh installs it)");
        String expected = nativeCpubench(3);
        QemuRun r = QemuRun.run("cpubench", "iters=3", 1, Duration.ofSeconds(30), null);
        assertTrue(r.output.contains("CELADON-CPUBENCH iters=3\n"), r.output);
        assertEquals(expected, r.value("CELADON-CPUBENCH checksum="), r.output);
        assertTrue(r.output.contains("CELADON-CPUBENCH done\n"), r.output);
        assertEquals(1, r.exitStatus, "QEMU did not end at isa-debug-exit:\n" + r.output);
    }

    @Test
    void smpUnderQemuCountsExactlyAndSeesNoStaleData() throws Exception {
        assumeTrue(QemuRun.available(), "qemu-system-x86_64 is not installed");
        QemuRun r = QemuRun.run("smp", "count=20000 rounds=2000 sb=2000", 2, Duration.ofSeconds(60), null);
        assertTrue(r.output.contains("CELADON-SMP cpus=2 up=2 "), r.output);
        // four counters, two processors, 20000 increments each
        assertTrue(r.output.contains("CELADON-SMP counters ok total=160000\n"), r.output);
        assertTrue(r.output.contains("CELADON-SMP litmus ok rounds=2000\n"), r.output);
        assertNotNull(r.value("CELADON-SMP sb r1=r2=0 in "), r.output);
        assertTrue(r.output.contains("CELADON-SMP done\n"), r.output);
        assertEquals(1, r.exitStatus, r.output);
    }

    @Test
    void demoStillStartsItsProcessorsUnderQemu() throws Exception {
        assumeTrue(QemuRun.available(), "qemu-system-x86_64 is not installed");
        QemuRun r = QemuRun.run("demo", "", 2, Duration.ofSeconds(30), "echo ready");
        assertFalse(r.timedOut, r.output);
        assertTrue(r.output.contains("CELADON-DEMO cpus=2 mem_mib=64\n"), r.output);
        assertTrue(r.output.contains("vcpu 0 up\n") && r.output.contains("vcpu 1 up\n"), r.output);
        assertTrue(r.output.contains("all 2 vcpus up\n"), r.output);
    }

    /** Under QEMU with -no-reboot a triple fault ends QEMU with status 0; these must get there and no further. */
    @Test
    void theFaultingHostileGuestsEndInATripleFaultUnderQemu() throws Exception {
        assumeTrue(QemuRun.available(), "qemu-system-x86_64 is not installed");
        for (String name : List.of("triple", "garbage", "wildjump", "badpt")) {
            QemuRun r = QemuRun.run(name, "", 1, Duration.ofSeconds(20), null);
            String banner = "CELADON-" + name.toUpperCase() + " ";
            assertTrue(r.output.startsWith(banner), name + ": " + r.output);
            assertEquals(1, r.output.split("\n").length, name + " went on after its fault: " + r.output);
            assertEquals(0, r.exitStatus, name + " did not end in a shutdown: " + r.output);
        }
    }

    @Test
    void spinNeverEndsByItself() throws Exception {
        assumeTrue(QemuRun.available(), "qemu-system-x86_64 is not installed");
        QemuRun r = QemuRun.run("spin", "", 1, Duration.ofSeconds(1), null);
        assertTrue(r.output.startsWith("CELADON-SPIN "), r.output);
        assertTrue(r.timedOut, "spin ended by itself with status " + r.exitStatus);
    }
}
