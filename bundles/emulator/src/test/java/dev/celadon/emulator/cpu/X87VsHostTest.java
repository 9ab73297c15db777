package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * x87 instructions against the host CPU. Each case: FNINIT, FLDCW, two operands pushed (ST(1) = B, ST(0) = A,
 * loaded with FLDL from doubles or FLDT from raw 80-bit patterns), a 16-byte memory operand, one instruction;
 * recorded: ST(0) and ST(1) (FSTPT, so empty registers read as the indefinite), RFLAGS, RAX, FSW, the memory.
 * Arithmetic runs with FCW.PC = double, where the host's 80-bit registers compute exactly what binary64 gives
 * (the emulator's documented precision), on values that neither overflow nor underflow binary64.
 */
class X87VsHostTest {
    static final int REC = 80;

    record Case(String insn, boolean raw, long a, int aHi, long b, int bHi, long mem, int fcw, int fswMask) {
    }

    static long d(double v) {
        return Double.doubleToRawLongBits(v);
    }

    static final double[] ARITH = {0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3, 3.0, 1e10, -7e-5, 2.5, -2.5, 1e-100,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
    static final double[] STORE = {0.0, -0.0, 1.0, 0.1, 1.0 / 3, -2.5, 0.5, 1.5, 32767.5, -32768.4, 2147483647.5,
            -2147483648.0, 9.3e18, -9.3e18, 9.223372036854775807e18, 1e300, Double.MIN_VALUE, Double.MIN_NORMAL, 3e38,
            -3.4028235677973366e38, 1.2e-38, Double.POSITIVE_INFINITY, Double.NaN};
    /** Raw 80-bit values {significand, sign/exponent}: extended-only ranges, ties, pseudo-denormal, unnormal, SNaN. */
    static final long[][] RAW = {{0x8000_0000_0000_0001L, 0x3FFF}, {0xFFFF_FFFF_FFFF_FFFFL, 0x43FE},
            {0x8000_0000_0000_0400L, 0x3FFF}, {0x8000_0000_0000_0C00L, 0xBFFF}, {0x8000_0000_0000_0401L, 0x3FFF},
            {0x8000_0000_0000_0000L, 0x0001}, {0x0000_0000_0000_0001L, 0x0000}, {0x8000_0000_0000_0000L, 0x0000},
            {0x4000_0000_0000_0000L, 0x3FFF}, {0x8000_0000_0000_0000L, 0x7FFF}, {0xA000_0000_0000_0000L, 0x7FFF},
            {0xE000_0000_0000_0000L, 0xFFFF}, {0xFFFF_FF80_0000_0000L, 0x407E}, {0x8000_0000_0000_0000L, 0x3C00},
            {0x8000_0000_0000_0000L, 0x3BCD}, {0xC000_0000_0000_0000L, 0x403D}, {0xFFFF_FFFF_FFFF_FFFFL, 0x403D},
            {0x8000_0000_0000_0000L, 0xC03E}, {0x8000_0000_0000_0001L, 0x403E}, {0xC90F_DAA2_2168_C234L, 0x4000}};
    static final int ALL = 0x7F7F & ~0x2; // condition codes, TOP, SF and the exception flags except DE
    static final int ARITH_MASK = ALL & ~(0x200 | 0x20 | 0x10 | 0x8); // no C1 (rounded up), PE, UE, OE

    static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        String[] arith = {"fadd %st(1), %st", "fsub %st(1), %st", "fsubr %st(1), %st", "fmul %st(1), %st",
                "fdiv %st(1), %st", "fdivr %st(1), %st", "fadd %st, %st(1)", "fsubp %st, %st(1)", "fsubrp %st, %st(1)",
                "fdivp %st, %st(1)", "fdivrp %st, %st(1)", "fmulp %st, %st(1)", "faddl 64(%rdi)", "fsubl 64(%rdi)",
                "fdivrl 64(%rdi)", "fmull 64(%rdi)", "fsqrt", "fcom %st(1)", "fcomp %st(1)", "fucom %st(1)",
                "fucompp", "fcompp", "fcomi %st(1), %st", "fucomi %st(1), %st", "fcomip %st(1), %st",
                "fucomip %st(1), %st", "ftst", "fxam", "fchs", "fabs", "fxch %st(1)", "fld %st(1)", "fcoml 64(%rdi)",
                "fcompl 64(%rdi)", "fstp %st(1)", "fst %st(1)", "fprem", "fprem1", "fscale", "fcmovb %st(1), %st",
                "fcmove %st(1), %st", "fcmovnbe %st(1), %st", "fcmovu %st(1), %st", "fnstsw %ax", "fdecstp", "fincstp",
                "ffree %st(1)", "frndint"};
        for (int rc = 0; rc < 4; rc++) {
            int fcw = 0x27F | (rc << 10);
            for (double a : ARITH) {
                for (double b : ARITH) {
                    for (String op : arith) {
                        if ((op.startsWith("fprem") || op.equals("fscale")) && Math.abs(a / b) > 1e6) {
                            continue; // partial remainders (C2 = 1) and huge scales are not modelled
                        }
                        if (op.equals("fscale") && (Math.abs(b) > 1000 || Double.isInfinite(b))) {
                            continue;
                        }
                        boolean cmp = op.startsWith("fcom") || op.startsWith("fucom") || op.equals("ftst") || op.equals("fxam")
                                || op.startsWith("fchs") || op.startsWith("fabs") || op.startsWith("fxch") || op.startsWith("fld")
                                || op.startsWith("fst") || op.startsWith("fcmov") || op.startsWith("fnstsw") || op.startsWith("f") && op.contains("stp")
                                || op.startsWith("fdecstp") || op.startsWith("fincstp") || op.startsWith("ffree");
                        cs.add(new Case(op, false, d(a), 0, d(b), 0, d(b * 0.75), fcw, cmp ? ALL : ARITH_MASK));
                    }
                }
            }
            String[] loadStore = {"fstps 64(%rdi)", "fstpl 64(%rdi)", "fsts 64(%rdi)", "fstl 64(%rdi)", "fistps 64(%rdi)",
                    "fistpl 64(%rdi)", "fistpll 64(%rdi)", "fists 64(%rdi)", "fistl 64(%rdi)", "fstpt 64(%rdi)", "fxam",
                    "fldt 64(%rdi)", "fstp %st(0)"};
            for (double a : STORE) {
                for (String op : loadStore) {
                    cs.add(new Case(op, false, d(a), 0, d(-a), 0, 0x1234_5678_9ABC_DEF0L, fcw | 0x300, ALL));
                }
            }
            for (long[] a : RAW) {
                for (String op : loadStore) {
                    if (op.equals("fldt 64(%rdi)")) {
                        continue;
                    }
                    cs.add(new Case(op, true, a[0], (int) a[1], 0x8000_0000_0000_0000L, 0x3FFF, 0x1111_2222_3333_4444L, fcw | 0x300, ALL));
                }
                cs.add(new Case("fcomi %st(1), %st", true, a[0], (int) a[1], RAW[rc][0], (int) RAW[rc][1], 0, fcw | 0x300, ALL));
                cs.add(new Case("fchs", true, a[0], (int) a[1], 0, 0, 0, fcw | 0x300, ALL));
            }
            for (String op : new String[] {"fld1", "fldz", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2"}) {
                cs.add(new Case("fstp %st(0)\n  " + op, false, d(1), 0, d(2), 0, 0, fcw | 0x300, ALL));
            }
            long[] ints = {0, 1, -1, 32767, -32768, 0x7FFF_FFFF, -0x8000_0000L, 0x7FFF_FFFF_FFFF_FFFFL, Long.MIN_VALUE,
                    0x1234_5678_9ABC_DEF1L, 0xFFFF_FFFF_8000_0001L};
            for (long v : ints) {
                for (String op : new String[] {"filds 64(%rdi)", "fildl 64(%rdi)", "fildll 64(%rdi)", "fiaddl 64(%rdi)",
                        "fimuls 64(%rdi)", "fisubrl 64(%rdi)", "ficoml 64(%rdi)"}) {
                    cs.add(new Case(op, false, d(2.5), 0, d(-1), 0, v, fcw, op.startsWith("fil") || op.startsWith("fic") ? ALL : ARITH_MASK));
                }
            }
        }
        cs.add(new Case("fnstcw 64(%rdi)", false, d(1), 0, d(2), 0, 0, 0x0B7F, ALL));
        cs.add(new Case("fninit", false, d(1), 0, d(2), 0, 0, 0x0B7F, ALL));
        cs.add(new Case("fstp %st(0)\n  fstp %st(0)\n  fstp %st(0)", false, d(1), 0, d(2), 0, 0, 0x37F, ALL)); // underflow
        cs.add(new Case("fld1\n  fld1\n  fld1\n  fld1\n  fld1\n  fld1\n  fld1", false, d(1), 0, d(2), 0, 0, 0x37F, ALL)); // overflow
        return cs;
    }

    static String function(List<Case> cs) {
        LinkedHashMap<String, List<Case>> by = new LinkedHashMap<>();
        for (Case c : cs) {
            by.computeIfAbsent(c.insn + "|" + c.raw, k -> new ArrayList<>()).add(c);
        }
        StringBuilder code = new StringBuilder("cases:\n  push %rbx\n  sub $8, %rsp\n");
        StringBuilder data = new StringBuilder(".align 16\n");
        int t = 0;
        for (List<Case> g : by.values()) {
            data.append("t").append(t).append(":\n");
            for (Case c : g) {
                data.append("  .quad ").append(c.a).append(", ").append(c.aHi).append(", ").append(c.b).append(", ")
                        .append(c.bHi).append(", ").append(c.mem).append(", ").append(c.fcw).append("\n");
            }
            Case c0 = g.get(0);
            code.append("  lea t").append(t).append("(%rip), %rsi\n  mov $").append(g.size()).append(", %r8d\n1:\n");
            code.append("  fninit\n  fldcw 40(%rsi)\n  mov 32(%rsi), %rax\n  mov %rax, 64(%rdi)\n  movq $-1, 72(%rdi)\n");
            code.append(c0.raw ? "  fldt 16(%rsi)\n  fldt (%rsi)\n" : "  fldl 16(%rsi)\n  fldl (%rsi)\n");
            code.append("  mov $0x5555666677778888, %rax\n  push $0x202\n  popfq\n");
            code.append("  ").append(c0.insn).append("\n");
            code.append("  pushfq\n  pop %rbx\n  mov %rax, 40(%rdi)\n  mov %rbx, 32(%rdi)\n  fnstsw 48(%rdi)\n  movw $0, 50(%rdi)\n");
            code.append("  movl $0, 52(%rdi)\n  fstpt (%rdi)\n  movw $0, 10(%rdi)\n  movl $0, 12(%rdi)\n  fstpt 16(%rdi)\n  movw $0, 26(%rdi)\n  movl $0, 28(%rdi)\n");
            code.append("  add $48, %rsi\n  add $").append(REC).append(", %rdi\n  dec %r8d\n  jnz 1b\n");
            t++;
        }
        code.append("  fninit\n  add $8, %rsp\n  pop %rbx\n  ret\n");
        return code.append(data).toString();
    }

    @Test
    void x87MatchesTheHost() throws Exception {
        List<Case> all = cases();
        LinkedHashMap<String, List<Case>> by = new LinkedHashMap<>();
        for (Case c : all) {
            by.computeIfAbsent(c.insn + "|" + c.raw, k -> new ArrayList<>()).add(c);
        }
        List<Case> cs = new ArrayList<>();
        by.values().forEach(cs::addAll);
        HostRun r = HostRun.run(function(cs), cs.size() * REC);
        ByteBuffer h = ByteBuffer.wrap(r.host).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer e = ByteBuffer.wrap(r.emu).order(ByteOrder.LITTLE_ENDIAN);
        String[] names = {"st0.m", "st0.se", "st1.m", "st1.se", "rflags", "rax", "fsw", "(pad)", "mem.lo", "mem.hi"};
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
            Case c = cs.get(i);
            StringBuilder diff = new StringBuilder();
            for (int k = 0; k < 10; k++) {
                long hv = h.getLong(REC * i + 8 * k), ev = e.getLong(REC * i + 8 * k);
                if (k == 4) {
                    hv &= 0x8D5;
                    ev &= 0x8D5;
                } else if (k == 6) {
                    hv &= c.fswMask;
                    ev &= c.fswMask;
                }
                if (hv != ev) {
                    diff.append(String.format(" %s host %x emu %x;", names[k], hv, ev));
                }
            }
            if (diff.length() > 0) {
                bad.add(String.format("%s a=%x:%x b=%x:%x mem=%x fcw=%x:%s", c.insn.replace("\n  ", "; "), c.aHi, c.a, c.bHi, c.b, c.mem, c.fcw, diff));
            }
        }
        java.nio.file.Files.deleteIfExists(java.nio.file.Path.of("target", "x87-vs-host-differences.txt"));
        if (!bad.isEmpty()) {
            java.nio.file.Files.write(java.nio.file.Path.of("target", "x87-vs-host-differences.txt"), bad);
        }
        assertTrue(bad.isEmpty(), bad.size() + " of " + cs.size() + " differ:\n" + String.join("\n", bad.subList(0, Math.min(40, bad.size()))));
        System.out.println("x87 vs host: " + cs.size() + " cases agree");
    }
}
