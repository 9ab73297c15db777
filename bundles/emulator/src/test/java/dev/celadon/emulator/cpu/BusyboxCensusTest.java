package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every distinct x87/SSE/SSE2 encoding in Debian's static busybox (the guest kit's user space; objdump lists
 * them) runs on the emulator with SSE enabled without #UD, the SSSE3+/AVX ones glibc selects only by CPUID
 * excepted. Skipped when the guest kit has not been downloaded on this machine.
 */
class BusyboxCensusTest {
    static final Path BUSYBOX = Path.of(System.getProperty("user.home"),
            ".cache/celadon/guest-kit-test/downloads/busybox-static.tree/bin/busybox");
    static final Pattern FPU = Pattern.compile("(p[a-z]+|mov(dq|ap|up|s[sd]|[lh]p|hlps|lhps|nt|q|d)[a-z0-9]*|f[a-z0-9]+"
            + "|cvt[a-z0-9]+|[a-z]+(ps|pd|ss|sd)|emms|ldmxcsr|stmxcsr|fx[a-z0-9]+|[lms]fence|prefetch[a-z0-9]*)");
    static final Set<String> NOT_ADVERTISED = Set.of("palignr", "pcmpistri", "pshufb", "pminud", "pause", "push", "pop",
            "pushf", "popf", "pushq", "popq");

    @Test
    void everyFpuAndSseEncodingInBusyboxRuns() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(BUSYBOX), "no guest kit busybox at " + BUSYBOX);
        Process p = new ProcessBuilder("objdump", "-d", "-w", BUSYBOX.toString()).redirectErrorStream(true).start();
        Set<String> encodings = new LinkedHashSet<>();
        List<String> names = new ArrayList<>();
        long t0 = System.nanoTime();
        // -w: one line per instruction, "addr:\tbytes\tmnemonic operands"
        for (String line : new String(p.getInputStream().readAllBytes()).split("\n")) {
            int t1 = line.indexOf('\t');
            int t2 = t1 < 0 ? -1 : line.indexOf('\t', t1 + 1);
            if (t2 < 0) {
                continue;
            }
            int sp = line.indexOf(' ', t2 + 1);
            String mnemonic = sp < 0 ? line.substring(t2 + 1) : line.substring(t2 + 1, sp);
            if (mnemonic.startsWith("v") || NOT_ADVERTISED.contains(mnemonic) || !FPU.matcher(mnemonic).matches()) {
                continue;
            }
            if (encodings.add(line.substring(t1 + 1, t2).trim())) {
                names.add(mnemonic);
            }
        }
        p.waitFor();
        Assumptions.assumeTrue(encodings.size() > 100, "objdump gave " + encodings.size() + " encodings");
        long t1 = System.nanoTime();
        Machine m = new Machine(4 << 20);
        m.mem.writeLong(0x1000, 0x2003);
        m.mem.writeLong(0x2000, 0x3003);
        m.mem.writeLong(0x3000, 0x83);
        List<String> ud = new ArrayList<>();
        int i = 0;
        for (String enc : encodings) {
            String[] hex = enc.split(" +");
            byte[] code = new byte[hex.length + 1];
            for (int k = 0; k < hex.length; k++) {
                code[k] = (byte) Integer.parseInt(hex[k], 16);
            }
            code[hex.length] = (byte) 0xF4;
            m.mem.write(0x10000, code);
            m.cpu.bootLongMode(0x10000, 0, 0x1000, 0x30000, 0xFFF, 0x08, 0x10);
            m.cpu.setCr4(m.cpu.cr4() | Cpu.CR4_OSFXSR | Cpu.CR4_OSXMMEXCPT);
            for (int r = 0; r < 16; r++) {
                m.cpu.setReg(r, 0x100000); // memory operands land in RAM, mostly aligned
            }
            long before = m.cpu.undefinedOpcodeCount();
            m.cpu.run();
            if (m.cpu.undefinedOpcodeCount() != before) {
                ud.add(names.get(i) + " " + enc);
            }
            i++;
        }
        System.out.printf("busybox census: objdump %.1f s, runs %.1f s%n", (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
        assertTrue(ud.isEmpty(), ud.size() + " of " + encodings.size() + " are #UD: " + ud);
        System.out.println("busybox census: " + encodings.size() + " x87/SSE encodings run without #UD");
    }
}
