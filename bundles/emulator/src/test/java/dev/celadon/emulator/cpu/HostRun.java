package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs one assembled function {@code cases(out)} twice: natively (linked by gcc into a program that writes the
 * output buffer to stdout) and on the emulator in long mode with SSE enabled (CR4.OSFXSR/OSXMMEXCPT), and returns
 * both output buffers for comparison. The function gets the buffer in %rdi and must preserve %rbx and %rsp.
 */
final class HostRun {
    final byte[] host, emu;

    private HostRun(byte[] host, byte[] emu) {
        this.host = host;
        this.emu = emu;
    }

    static final long OUT = 0x800000;

    static HostRun run(String fn, int outBytes) throws Exception {
        Path dir = Files.createTempDirectory("celadon-hostrun");
        Files.writeString(dir.resolve("cases.s"), ".text\n.globl cases\n" + fn + ".section .note.GNU-stack,\"\",@progbits\n");
        Files.writeString(dir.resolve("main.c"), """
                #include <stdio.h>
                #include <stdlib.h>
                extern void cases(unsigned char *out);
                int main(int argc, char **argv) {
                    long n = atol(argv[1]);
                    unsigned char *buf = aligned_alloc(64, (n + 63) / 64 * 64);
                    for (long i = 0; i < n; i++) buf[i] = 0;
                    cases(buf);
                    fwrite(buf, 1, n, stdout);
                    return 0;
                }
                """);
        Assumptions.assumeTrue(Machine.run(dir, "gcc", "-O1", "-o", "t", "main.c", "cases.s") == 0, "gcc not available");
        Process p = new ProcessBuilder(dir.resolve("t").toString(), Integer.toString(outBytes)).start();
        byte[] host = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertEquals(outBytes, host.length);

        Machine m = new Machine(16 << 20);
        LongModeRig rig = new LongModeRig(m);
        rig.pageTables();
        rig.gdtAndTss();
        m.load(LongModeRig.PRELUDE + "main:\n  mov $" + OUT + ", %rdi\n  call cases\n  hlt\n" + fn, LongModeRig.ORIGIN);
        m.cpu.bootLongMode(LongModeRig.ORIGIN, 0, LongModeRig.PML4, LongModeRig.GDT, 0x37, LongModeRig.KCODE, LongModeRig.KDATA);
        m.cpu.setCr4(m.cpu.cr4() | Cpu.CR4_OSFXSR | Cpu.CR4_OSXMMEXCPT);
        m.cpu.setCr0(m.cpu.cr0() & ~(Cpu.CR0_EM | Cpu.CR0_TS) | Cpu.CR0_MP | Cpu.CR0_NE);
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        return new HostRun(host, m.mem.read(OUT, outBytes));
    }
}
