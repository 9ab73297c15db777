package dev.celadon.emulator.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The cpubench micro-guest on a bare {@link Cpu} (not a test: bench/cpu.sh measures the real backend; this is
 * for profiling the tiers). Prints guest instructions per CPU second and the translator's counters;
 * {@code --census} runs the interpreter instead and prints which instruction forms ran how often (blocks
 * weighted by their runs) and whether the translator inlines them.
 * <pre>
 * java -cp ...test classpath... dev.celadon.emulator.cpu.CpubenchRun bench/target/cpu/cpubench.elf 200 [--census]
 * </pre>
 */
public final class CpubenchRun {
    private CpubenchRun() {
    }

    public static void main(String[] args) throws Exception {
        Path elf = Path.of(args[0]);
        long iters = Long.parseLong(args[1]);
        boolean census = args.length > 2 && args[2].equals("--census");
        long ram = 64 << 20;
        Machine m = new Machine((int) ram, census ? Tier.TRANSLATOR : Tier.fromSystemProperty());
        if (census) {
            m.cpu.setTranslationThreshold(Integer.MAX_VALUE); // counts every block run, translates none
        }
        long entry = MicroGuestTest.loadElf(m, Files.readAllBytes(elf));
        MicroGuestTest.startInfo(m, ram);
        byte[] cmd = ("iters=" + iters + "\0").getBytes(StandardCharsets.US_ASCII);
        m.mem.write(MicroGuestTest.START_INFO + 0x200, cmd);
        ByteBuffer p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, MicroGuestTest.START_INFO + 0x200);
        m.mem.write(MicroGuestTest.START_INFO + 24, p.array());
        m.mem.write(0x5000, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, (byte) 0x9B, (byte) 0xCF, 0,
                (byte) 0xFF, (byte) 0xFF, 0, 0, 0, (byte) 0x93, (byte) 0xCF, 0});
        m.cpu.bootProtectedMode(entry, MicroGuestTest.START_INFO, 0x5000, 23, 0x08, 0x10);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        ExitReason r = m.run();
        long c1 = mx.getCurrentThreadCpuTime();
        long n = m.cpu.instructionsRetired();
        System.out.print(m.out());
        System.out.printf("%s %s: %,d instructions, %.2f s CPU, %.1f MIPS; %s%n", m.cpu.tier(), r, n, (c1 - c0) / 1e9,
                n / ((c1 - c0) / 1e3), m.cpu.translationStatistics());
        if (census) {
            census(m);
        }
    }

    /** Instruction forms weighted by the runs of their blocks. */
    static void census(Machine m) {
        Map<String, long[]> count = new HashMap<>();
        long total = 0;
        for (Block b : m.cpu.code.blocks()) {
            for (Insn in : b.insns) {
                ExecForms.Form f = ExecForms.of(in.exec);
                String name;
                if (f != null && f.kind() != ExecForms.DIRECT) {
                    name = "inline " + kindName(f.kind()) + " size " + in.size + (in.rm < 0 ? " mem" : " reg");
                } else {
                    long pa = (b.key & ((1L << 60) - 1)) + in.off;
                    StringBuilder sb = new StringBuilder(f != null ? "call " + f.method() + " " : "call ");
                    for (byte x : m.mem.read(pa, Math.min(3, in.end - in.off))) {
                        sb.append(String.format("%02x", x & 0xFF));
                    }
                    name = sb.toString();
                }
                count.computeIfAbsent(name, k -> new long[1])[0] += b.hits;
                total += b.hits;
            }
        }
        long t = total;
        count.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(45)
                .forEach(e -> System.out.printf("%6.2f%%  %s%n", 100.0 * e.getValue()[0] / t, e.getKey()));
    }

    static String kindName(int k) {
        if (k >= ExecForms.SETCC) return "SETcc";
        if (k >= ExecForms.CMOV) return "CMOVcc";
        if (k >= ExecForms.JCC) return "Jcc";
        if (k >= ExecForms.ALU_EG) return new String[] {"ALU E,G", "ALU G,E", "ALU E,I"}[(k - ExecForms.ALU_EG) / 8]
                + " op" + ((k - ExecForms.ALU_EG) & 7);
        return new String[] {"?", "MOV E,G", "MOV G,E", "MOV E,I", "MOVZX", "MOVSX", "LEA", "INC", "DEC", "TEST E,G",
            "TEST E,I", "PUSH r", "POP r", "PUSH imm", "JMP rel", "CALL rel", "RET", "NOP", "SHIFT imm"}[k];
    }
}
