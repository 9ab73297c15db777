package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Results and defined flags of ADD/ADC/SUB/SBB/AND/OR/XOR/NEG/INC/DEC, shifts and rotates, MUL/IMUL and
 * SHLD/SHRD against the host CPU: the same instruction bytes run natively (a gcc-built program) and on the
 * emulator, over boundary operands in every operand size.
 */
class FlagsVsHostTest {
    static final long[] VALUES = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFFL, 0x8000_0000L,
            0xFFFF_FFFFL, 0x1_0000_0000L, 0x7FFF_FFFF_FFFF_FFFFL, 0x8000_0000_0000_0000L, -1L, 0x1234_5678_9ABC_DEF0L,
            0xF0F0_F0F0_0F0F_0F0FL};
    static final int[] COUNTS = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63};
    static final String[] SUFFIX = {"b", "w", "l", "q"};
    static final String[][] REGS = {{"%cl", "%al"}, {"%cx", "%ax"}, {"%ecx", "%eax"}, {"%rcx", "%rax"}};
    static final int ALL = 0x8D5, NO_AF = 0x8C5;

    record Case(String insn, long a, long b, long flagsIn, int mask) {
    }

    static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        String[] arith = {"add", "adc", "sub", "sbb", "cmp"};
        String[] logic = {"and", "or", "xor", "test"};
        for (int s = 0; s < 4; s++) {
            String sx = SUFFIX[s];
            String src = REGS[s][0];
            String dst = REGS[s][1];
            int bits = 8 << s;
            for (long a : VALUES) {
                for (long b : VALUES) {
                    for (String op : arith) {
                        for (long cf = 0; cf <= (op.equals("adc") || op.equals("sbb") ? 1 : 0); cf++) {
                            cs.add(new Case(op + sx + " " + src + ", " + dst, a, b, 0x202 | cf, ALL));
                        }
                    }
                    for (String op : logic) {
                        cs.add(new Case(op + sx + " " + src + ", " + dst, a, b, 0x202, NO_AF));
                    }
                }
                cs.add(new Case("neg" + sx + " " + dst, a, 0, 0x202, ALL));
                cs.add(new Case("inc" + sx + " " + dst, a, 0, 0x203, ALL));
                cs.add(new Case("dec" + sx + " " + dst, a, 0, 0x202, ALL));
                cs.add(new Case("not" + sx + " " + dst, a, 0, 0x2D7, ALL));
                for (int n : COUNTS) {
                    int masked = n & (bits == 64 ? 63 : 31);
                    for (String op : new String[] {"shl", "shr", "sar"}) {
                        int m = masked == 0 ? ALL : masked == 1 ? NO_AF : NO_AF & ~0x800;
                        if (bits < 32 && masked >= bits && !op.equals("sar")) {
                            m &= ~1; // CF undefined for SHL/SHR counts ≥ the width
                        }
                        cs.add(new Case(op + sx + " %cl, " + dst, a, n, 0x2D7 & ~0x800, m));
                        cs.add(new Case(op + sx + " %cl, " + dst, a, n, 0x202, m));
                    }
                    for (String op : new String[] {"rol", "ror", "rcl", "rcr"}) {
                        int m = masked == 0 ? ALL : masked == 1 ? ALL : ALL & ~0x800;
                        cs.add(new Case(op + sx + " %cl, " + dst, a, n, 0x2D7 & ~0x800, m));
                        cs.add(new Case(op + sx + " %cl, " + dst, a, n, 0x202, m));
                    }
                    if (bits >= 16 && (bits > 16 || masked <= 16)) {
                        int m = masked == 0 ? ALL : masked == 1 ? NO_AF : NO_AF & ~0x800;
                        String dx = new String[] {"", "%dx", "%edx", "%rdx"}[s];
                        cs.add(new Case("shld" + sx + " %cl, " + dx + ", " + dst, a, n, 0x202, m));
                        cs.add(new Case("shrd" + sx + " %cl, " + dx + ", " + dst, a, n, 0x202, m));
                    }
                }
                for (long b : VALUES) {
                    cs.add(new Case("mul" + sx + " " + src, a, b, 0x202, 0x801));
                    cs.add(new Case("imul" + sx + " " + src, a, b, 0x202, 0x801));
                    if (bits > 8) {
                        cs.add(new Case("imul" + sx + " " + src + ", " + dst, a, b, 0x202, 0x801));
                    }
                }
            }
        }
        return cs;
    }

    /** One function, position-independent, writing rax, rdx and rflags per case to (%rdi). */
    static String function(List<Case> cs) {
        StringBuilder sb = new StringBuilder("cases:\n  push %rbx\n");
        for (Case c : cs) {
            boolean dbl = c.insn.startsWith("shld") || c.insn.startsWith("shrd");
            sb.append("  movabs $").append(c.a).append(", %rax\n");
            sb.append("  movabs $").append(c.b).append(", %rcx\n");
            sb.append("  movabs $").append(dbl ? 0x5A5A_1234_8765_A5A5L : 0x1111_2222_3333_4444L).append(", %rdx\n");
            sb.append("  push $").append(c.flagsIn).append("\n  popfq\n");
            sb.append("  ").append(c.insn).append("\n");
            sb.append("  pushfq\n  pop %rbx\n  mov %rax, (%rdi)\n  mov %rdx, 8(%rdi)\n  mov %rbx, 16(%rdi)\n  add $24, %rdi\n");
        }
        sb.append("  pop %rbx\n  ret\n");
        return sb.toString();
    }

    @Test
    void arithmeticMatchesTheHost() throws Exception {
        List<Case> cs = cases();
        String fn = function(cs);
        Path dir = Files.createTempDirectory("celadon-flags");
        Files.writeString(dir.resolve("cases.s"), ".text\n.globl cases\n" + fn + ".section .note.GNU-stack,\"\",@progbits\n");
        Files.writeString(dir.resolve("main.c"), """
                #include <stdio.h>
                #include <stdlib.h>
                extern void cases(unsigned long *out);
                int main(int argc, char **argv) {
                    long n = atol(argv[1]);
                    unsigned long *buf = calloc(n * 3, 8);
                    cases(buf);
                    fwrite(buf, 8, n * 3, stdout);
                    return 0;
                }
                """);
        Assumptions.assumeTrue(Machine.run(dir, "gcc", "-O1", "-o", "t", "main.c", "cases.s") == 0, "gcc not available");
        Process p = new ProcessBuilder(dir.resolve("t").toString(), Integer.toString(cs.size())).start();
        byte[] hostBytes = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertEquals(cs.size() * 24, hostBytes.length);
        ByteBuffer host = ByteBuffer.wrap(hostBytes).order(ByteOrder.LITTLE_ENDIAN);

        String prog = "main:\n  mov $0x800000, %rdi\n  call cases\n  hlt\n" + fn;
        Machine m = new Machine(16 << 20);
        LongModeRig rig = new LongModeRig(m);
        rig.pageTables();
        rig.gdtAndTss();
        m.load(LongModeRig.PRELUDE + prog, LongModeRig.ORIGIN);
        m.cpu.bootLongMode(LongModeRig.ORIGIN, 0, LongModeRig.PML4, LongModeRig.GDT, 0x37, LongModeRig.KCODE, LongModeRig.KDATA);
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        ByteBuffer emu = ByteBuffer.wrap(m.mem.read(0x800000, cs.size() * 24)).order(ByteOrder.LITTLE_ENDIAN);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
            Case c = cs.get(i);
            long hr = host.getLong(24 * i), hd = host.getLong(24 * i + 8), hf = host.getLong(24 * i + 16);
            long er = emu.getLong(24 * i), ed = emu.getLong(24 * i + 8), ef = emu.getLong(24 * i + 16);
            if (hr != er || hd != ed || ((hf ^ ef) & c.mask) != 0) {
                bad.add(String.format("%s a=%x b=%x flags=%x: host rax=%x rdx=%x fl=%x, emulator rax=%x rdx=%x fl=%x (mask %x)",
                        c.insn, c.a, c.b, c.flagsIn, hr, hd, hf, er, ed, ef, c.mask));
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " of " + cs.size() + " differ:\n" + String.join("\n", bad.subList(0, Math.min(40, bad.size()))));
        System.out.println("flags vs host: " + cs.size() + " cases agree");
    }
}
