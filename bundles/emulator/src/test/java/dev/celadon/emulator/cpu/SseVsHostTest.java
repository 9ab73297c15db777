package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SSE/SSE2 integer, move, floating-point, compare and conversion instructions against the host CPU: each case
 * loads XMM0/XMM1, RAX/RCX, MXCSR and RFLAGS, runs one instruction, and records XMM0, XMM1, RAX, the arithmetic
 * flags, MXCSR (exception flags included) and a 16-byte memory slot the store forms write. Operands are boundary
 * patterns and special floating-point values (zeros, denormals, infinities, quiet and signalling NaNs); the
 * floating-point cases run in all four MXCSR rounding modes.
 */
class SseVsHostTest {
    static final int REC = 80;

    static final long[][] INT_VALUES = {
            {0, 0}, {-1, -1}, {0x0706050403020100L, 0x0F0E0D0C0B0A0908L}, {0x8000_7FFF_0080_7F01L, 0xFF00_00FF_8001_7FFEL},
            {0x8000_0000_0000_0000L, 0x7FFF_FFFF_FFFF_FFFFL}, {0x1234_5678_9ABC_DEF0L, 0x0FED_CBA9_8765_4321L},
            {0x0706050403020100L, 0x0F0E0D0C0B0A0908L ^ 0xFF00}, {0x21, 0x0}, {0x3, 0x7}, {0x0000_0000_FFFF_0000L, 0x0101_0101_0101_0101L},
    };

    static final double[] DOUBLES = {0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3, 3.0, 1e308, -1e308, Double.MIN_VALUE,
            Double.MIN_NORMAL, 2.2250738585072e-308, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 9007199254740993.0,
            -2147483648.5, 4.5e18, 1e-300};
    static final long SNAN_D = 0x7FF4_0000_0000_0001L, QNAN_D = 0xFFF8_0000_0000_1234L;
    static final float[] FLOATS = {0f, -0f, 1f, -1.5f, 0.1f, 1f / 3, 3f, 3e38f, Float.MIN_VALUE, Float.MIN_NORMAL,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 16777217f, -2147483648.5f, 1e-30f, 7e9f};
    static final int SNAN_F = 0x7FA0_0001, QNAN_F = 0xFFC0_1234;

    record Case(String insn, long a0, long a1, long b0, long b1, long rax, long rcx, int mxcsr) {
    }

    static long[] doubleBits() {
        long[] v = new long[DOUBLES.length + 2];
        for (int i = 0; i < DOUBLES.length; i++) {
            v[i] = Double.doubleToRawLongBits(DOUBLES[i]);
        }
        v[DOUBLES.length] = SNAN_D;
        v[DOUBLES.length + 1] = QNAN_D;
        return v;
    }

    static int[] floatBits() {
        int[] v = new int[FLOATS.length + 2];
        for (int i = 0; i < FLOATS.length; i++) {
            v[i] = Float.floatToRawIntBits(FLOATS[i]);
        }
        v[FLOATS.length] = SNAN_F;
        v[FLOATS.length + 1] = QNAN_F;
        return v;
    }

    static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        String[] intOps = {"pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd", "pminub", "pmaxub", "pminsw",
                "pmaxsw", "pxor", "por", "pand", "pandn", "paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd",
                "psubq", "paddsb", "paddsw", "paddusb", "paddusw", "psubsb", "psubsw", "psubusb", "psubusw", "pmullw",
                "pmulhw", "pmulhuw", "pmuludq", "pmaddwd", "psadbw", "pavgb", "pavgw", "punpcklbw", "punpcklwd",
                "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq", "packsswb", "packssdw",
                "packuswb", "psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad", "shufps $0x4e,",
                "shufps $0xb1,", "shufpd $1,", "shufpd $2,", "unpcklps", "unpckhps", "unpcklpd", "unpckhpd", "movhlps",
                "movlhps", "andps", "andpd", "andnps", "andnpd", "orps", "orpd", "xorps", "xorpd", "pshufd $0x1b,",
                "pshufd $0xe4,", "pshuflw $0x93,", "pshufhw $0x39,", "movdqa", "movdqu", "movaps", "movups", "movapd",
                "movupd", "movss", "movsd", "movq"};
        String[] oneReg = {"pmovmskb %xmm1, %eax", "movmskps %xmm1, %eax", "movmskpd %xmm1, %eax", "pextrw $3, %xmm1, %eax",
                "pextrw $6, %xmm1, %eax", "pinsrw $5, %ecx, %xmm0", "pinsrw $0, %ecx, %xmm0", "movd %xmm1, %eax",
                "movq %xmm1, %rax", "movd %ecx, %xmm0", "movq %rcx, %xmm0", "pslldq $3, %xmm0", "pslldq $9, %xmm0",
                "pslldq $16, %xmm0", "psrldq $5, %xmm0", "psrldq $8, %xmm0", "psrldq $17, %xmm0", "psllw $3, %xmm0",
                "psllw $16, %xmm0", "psrlw $15, %xmm0", "psraw $4, %xmm0", "psraw $40, %xmm0", "pslld $31, %xmm0",
                "psrld $7, %xmm0", "psrad $31, %xmm0", "psrad $33, %xmm0", "psllq $1, %xmm0", "psllq $63, %xmm0",
                "psrlq $32, %xmm0", "psrlq $64, %xmm0", "movdqa %xmm1, 64(%rdi)", "movdqu %xmm1, 65(%rdi)",
                "movq %xmm1, 64(%rdi)", "movhps %xmm1, 64(%rdi)", "movlps %xmm1, 72(%rdi)", "movsd %xmm1, 64(%rdi)",
                "movss %xmm1, 66(%rdi)", "movd %xmm1, 64(%rdi)", "movntdq %xmm1, 64(%rdi)", "movntps %xmm1, 64(%rdi)",
                "movnti %rcx, 64(%rdi)", "movups %xmm1, 67(%rdi)", "movhpd %xmm1, 64(%rdi)",
                "pcmpeqb 64(%rdi), %xmm0", "movdqu 63(%rdi), %xmm0", "movsd 64(%rdi), %xmm0", "movss 64(%rdi), %xmm0",
                "movhps 64(%rdi), %xmm0", "movlps 64(%rdi), %xmm0", "movq 64(%rdi), %xmm0", "movd 64(%rdi), %xmm0",
                "pinsrw $7, 64(%rdi), %xmm0", "movsd %xmm1, %xmm0", "movss %xmm1, %xmm0", "movq %xmm1, %xmm0"};
        for (long[] a : INT_VALUES) {
            for (long[] b : INT_VALUES) {
                for (String op : intOps) {
                    cs.add(new Case(op + " %xmm1, %xmm0", a[0], a[1], b[0], b[1], 0, 0, 0x1F80));
                }
                for (String op : oneReg) {
                    cs.add(new Case(op, a[0], a[1], b[0], b[1], 0x5555_6666_7777_8888L, b[0] ^ a[1], 0x1F80));
                }
            }
        }
        long[] d = doubleBits();
        int[] f = floatBits();
        String[] scalarD = {"addsd", "subsd", "mulsd", "divsd", "minsd", "maxsd", "sqrtsd", "cvtsd2ss", "ucomisd", "comisd"};
        String[] scalarF = {"addss", "subss", "mulss", "divss", "minss", "maxss", "sqrtss", "cvtss2sd", "ucomiss", "comiss"};
        String[] packedD = {"addpd", "mulpd", "divpd", "sqrtpd", "cvtpd2ps", "cvtpd2dq", "cvttpd2dq"};
        String[] packedF = {"addps", "subps", "mulps", "divps", "minps", "maxps", "cvtps2pd", "cvtps2dq", "cvttps2dq"};
        for (int rc = 0; rc < 4; rc++) {
            int mx = 0x1F80 | (rc << 13);
            for (int i = 0; i < d.length; i++) {
                for (int j = 0; j < d.length; j++) {
                    for (String op : scalarD) {
                        cs.add(new Case(op + " %xmm1, %xmm0", d[i], 0x1111_2222_3333_4444L, d[j], 0x5555_6666_7777_8888L, 0, 0, mx));
                    }
                    if (i % 3 == 0) {
                        for (String op : packedD) {
                            cs.add(new Case(op + " %xmm1, %xmm0", d[i], d[j], d[j], d[(i + j) % d.length], 0, 0, mx));
                        }
                    }
                    if (rc == 0 || j == 0) {
                        for (int p = 0; p < 8; p++) {
                            cs.add(new Case("cmpsd $" + p + ", %xmm1, %xmm0", d[i], 7, d[j], 9, 0, 0, mx));
                        }
                    }
                }
                cs.add(new Case("cvttsd2si %xmm1, %rax", 0, 0, d[i], 0, 0, 0, mx));
                cs.add(new Case("cvtsd2si %xmm1, %rax", 0, 0, d[i], 0, 0, 0, mx));
                cs.add(new Case("cvttsd2si %xmm1, %eax", 0, 0, d[i], 0, 0, 0, mx));
                cs.add(new Case("cvtsd2si %xmm1, %eax", 0, 0, d[i], 0, 0, 0, mx));
            }
            for (int i = 0; i < f.length; i++) {
                for (int j = 0; j < f.length; j++) {
                    long a0 = (f[i] & 0xFFFF_FFFFL) | 0xABCD_0000_0000_0000L, b0 = f[j] & 0xFFFF_FFFFL;
                    for (String op : scalarF) {
                        cs.add(new Case(op + " %xmm1, %xmm0", a0, 0x1111_2222_3333_4444L, b0, 0x5555_6666_7777_8888L, 0, 0, mx));
                    }
                    long pa = (f[i] & 0xFFFF_FFFFL) | ((long) f[j] << 32), pb = (f[j] & 0xFFFF_FFFFL) | ((long) f[(i + 3) % f.length] << 32);
                    if (i % 3 == 0) {
                        for (String op : packedF) {
                            cs.add(new Case(op + " %xmm1, %xmm0", pa, pb, pb, pa, 0, 0, mx));
                        }
                    }
                    if (rc == 0 && j % 2 == 0) {
                        for (int p = 0; p < 8; p++) {
                            cs.add(new Case("cmpps $" + p + ", %xmm1, %xmm0", pa, pb, pb, pa, 0, 0, mx));
                        }
                    }
                }
                cs.add(new Case("cvttss2si %xmm1, %rax", 0, 0, f[i] & 0xFFFF_FFFFL, 0, 0, 0, mx));
                cs.add(new Case("cvtss2si %xmm1, %eax", 0, 0, f[i] & 0xFFFF_FFFFL, 0, 0, 0, mx));
            }
            long[] ints = {0, 1, -1, 3, 0x7FFF_FFFF, 0x8000_0000_0000_0000L, 0x7FFF_FFFF_FFFF_FFFFL, 0x20_0000_0000_0001L,
                    0x1000_0001, -0x7FFF_FFFFL, 0x1234_5678_9ABC_DEF1L, 0xFFFF_FFFF_8000_0001L};
            for (long v : ints) {
                cs.add(new Case("cvtsi2sd %rcx, %xmm0", 1, 2, 3, 4, 0, v, mx));
                cs.add(new Case("cvtsi2sd %ecx, %xmm0", 1, 2, 3, 4, 0, v, mx));
                cs.add(new Case("cvtsi2ss %rcx, %xmm0", 1, 2, 3, 4, 0, v, mx));
                cs.add(new Case("cvtsi2ss %ecx, %xmm0", 1, 2, 3, 4, 0, v, mx));
                cs.add(new Case("cvtdq2ps %xmm1, %xmm0", 1, 2, v, ~v, 0, v, mx));
                cs.add(new Case("cvtdq2pd %xmm1, %xmm0", 1, 2, v, ~v, 0, v, mx));
            }
        }
        // flush-to-zero with underflow masked
        for (int i = 0; i < d.length; i++) {
            cs.add(new Case("mulsd %xmm1, %xmm0", d[i], 0, Double.doubleToRawLongBits(1e-10), 0, 0, 0, 0x9F80));
            cs.add(new Case("divss %xmm1, %xmm0", Float.floatToRawIntBits(1e-35f), 0, f[i % f.length] & 0xFFFF_FFFFL, 0, 0, 0, 0x9F80));
        }
        return cs;
    }

    /**
     * The cases grouped by instruction: per instruction a loop over its input records (a table of .quads after
     * the code), so the program stays small however many operand combinations there are.
     */
    static String function(List<Case> cs) {
        StringBuilder code = new StringBuilder("cases:\n  push %rbx\n  sub $8, %rsp\n");
        StringBuilder data = new StringBuilder(".align 16\n");
        int t = 0;
        for (int i = 0; i < cs.size(); ) {
            int j = i;
            while (j < cs.size() && cs.get(j).insn.equals(cs.get(i).insn)) {
                j++;
            }
            data.append("t").append(t).append(":\n");
            for (int k = i; k < j; k++) {
                Case c = cs.get(k);
                data.append("  .quad ").append(c.a0).append(", ").append(c.a1).append(", ").append(c.b0).append(", ")
                        .append(c.b1).append(", ").append(c.rax).append(", ").append(c.rcx).append(", ").append(c.mxcsr).append("\n");
            }
            code.append("  lea t").append(t).append("(%rip), %rsi\n  mov $").append(j - i).append(", %r8d\n1:\n");
            code.append("  movabs $0x0123456789abcdef, %rax\n  mov %rax, 64(%rdi)\n  movabs $0xfedcba9876543210, %rax\n  mov %rax, 72(%rdi)\n");
            code.append("  movdqu (%rsi), %xmm0\n  movdqu 16(%rsi), %xmm1\n  ldmxcsr 48(%rsi)\n  mov 32(%rsi), %rax\n  mov 40(%rsi), %rcx\n");
            code.append("  push $0x202\n  popfq\n");
            code.append("  ").append(cs.get(i).insn).append("\n");
            code.append("  pushfq\n  pop %rbx\n  stmxcsr (%rsp)\n");
            code.append("  movdqu %xmm0, (%rdi)\n  movdqu %xmm1, 16(%rdi)\n  mov %rax, 32(%rdi)\n  mov %rbx, 40(%rdi)\n");
            code.append("  mov (%rsp), %ebx\n  mov %rbx, 48(%rdi)\n  movl $0x1f80, (%rsp)\n  ldmxcsr (%rsp)\n");
            code.append("  add $56, %rsi\n  add $").append(REC).append(", %rdi\n  dec %r8d\n  jnz 1b\n");
            t++;
            i = j;
        }
        code.append("  add $8, %rsp\n  pop %rbx\n  ret\n");
        return code.append(data).toString();
    }

    /** The cases in instruction order (the generator interleaves them), so each instruction is one loop. */
    static List<Case> sorted(List<Case> cs) {
        java.util.LinkedHashMap<String, List<Case>> by = new java.util.LinkedHashMap<>();
        for (Case c : cs) {
            by.computeIfAbsent(c.insn, k -> new ArrayList<>()).add(c);
        }
        List<Case> out = new ArrayList<>();
        by.values().forEach(out::addAll);
        return out;
    }

    @Test
    void sseMatchesTheHost() throws Exception {
        List<Case> cs = sorted(cases());
        HostRun r = HostRun.run(function(cs), cs.size() * REC);
        ByteBuffer h = ByteBuffer.wrap(r.host).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer e = ByteBuffer.wrap(r.emu).order(ByteOrder.LITTLE_ENDIAN);
        String[] names = {"xmm0.lo", "xmm0.hi", "xmm1.lo", "xmm1.hi", "rax", "rflags", "mxcsr", "(pad)", "mem.lo", "mem.hi"};
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < cs.size(); i++) {
            StringBuilder diff = new StringBuilder();
            for (int k = 0; k < 10; k++) {
                long hv = h.getLong(REC * i + 8 * k), ev = e.getLong(REC * i + 8 * k);
                if (k == 5) {
                    hv &= 0x8D5;
                    ev &= 0x8D5;
                }
                if (hv != ev) {
                    diff.append(String.format(" %s host %x emu %x;", names[k], hv, ev));
                }
            }
            if (diff.length() > 0) {
                Case c = cs.get(i);
                bad.add(String.format("%s a=%x:%x b=%x:%x rcx=%x mxcsr=%x:%s", c.insn, c.a1, c.a0, c.b1, c.b0, c.rcx, c.mxcsr, diff));
            }
        }
        java.nio.file.Files.deleteIfExists(java.nio.file.Path.of("target", "sse-vs-host-differences.txt"));
        if (!bad.isEmpty()) {
            java.nio.file.Files.write(java.nio.file.Path.of("target", "sse-vs-host-differences.txt"), bad);
        }
        assertTrue(bad.isEmpty(), bad.size() + " of " + cs.size() + " differ:\n" + String.join("\n", bad.subList(0, Math.min(60, bad.size()))));
        System.out.println("SSE vs host: " + cs.size() + " cases agree");
    }
}
