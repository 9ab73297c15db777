package dev.celadon.emulator.cpu;

/**
 * SSE/SSE2 moves and 128-bit integer instructions (no MMX forms: MMX is not implemented). The destination is
 * XMM {@code in.reg}; the source XMM {@code in.rm}, or memory. Legacy-encoded 128-bit memory operands must be
 * 16-byte aligned (#GP(0)) except for the explicitly unaligned moves. {@code in.op2} is the opcode byte after 0F.
 */
final class Sse {
    private Sse() {
    }

    // ------------------------------------------------------------------------------------------ operands

    /** The 128-bit source into {@code s[0..1]}. */
    static void src(Cpu c, Insn in, boolean aligned, long[] s) {
        long[] x = c.fpu.xmm;
        if (in.rm >= 0) {
            s[0] = x[2 * in.rm];
            s[1] = x[2 * in.rm + 1];
            return;
        }
        long la = c.addr(in);
        if (aligned && (la & 15) != 0) {
            throw Fault.gp0();
        }
        s[0] = c.rd(la, 8);
        s[1] = c.rd(la + 8, 8);
    }

    /** The low 64 bits of the source (XMM or m64). */
    static long src64(Cpu c, Insn in) {
        return in.rm >= 0 ? c.fpu.xmm[2 * in.rm] : c.rd(c.addr(in), 8);
    }

    static long src32(Cpu c, Insn in) {
        return in.rm >= 0 ? c.fpu.xmm[2 * in.rm] & 0xFFFF_FFFFL : c.rd(c.addr(in), 4);
    }

    static void store128(Cpu c, Insn in, boolean aligned, long lo, long hi) {
        if (in.rm >= 0) {
            c.fpu.xmm[2 * in.rm] = lo;
            c.fpu.xmm[2 * in.rm + 1] = hi;
            return;
        }
        long la = c.addr(in);
        if (aligned && (la & 15) != 0) {
            throw Fault.gp0();
        }
        c.translate(la + 15, Cpu.WRITE, c.tlbUser != 0); // both halves or nothing
        c.wr(la, 8, lo);
        c.wr(la + 8, 8, hi);
    }

    // ------------------------------------------------------------------------------------------ moves

    /** MOVDQA/MOVAPS/MOVAPD xmm, xmm/m128 (aligned) and MOVDQU/MOVUPS/MOVUPD (op2 bit 8 = unaligned). */
    static void movLoad(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, in.imm2 == 0, s);
        c.fpu.xmm[2 * in.reg] = s[0];
        c.fpu.xmm[2 * in.reg + 1] = s[1];
    }

    /** The store forms (and MOVNTDQ/MOVNTPS/MOVNTPD, always aligned; non-temporal hints do nothing here). */
    static void movStore(Cpu c, Insn in) {
        FxSave.checkSse(c);
        store128(c, in, in.imm2 == 0, c.fpu.xmm[2 * in.reg], c.fpu.xmm[2 * in.reg + 1]);
    }

    /** MOVSS load: from memory zero-extends to 128 bits; register to register merges the low dword. */
    static void movssLoad(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] x = c.fpu.xmm;
        if (in.rm >= 0) {
            x[2 * in.reg] = (x[2 * in.reg] & ~0xFFFF_FFFFL) | (x[2 * in.rm] & 0xFFFF_FFFFL);
        } else {
            x[2 * in.reg] = c.rd(c.addr(in), 4);
            x[2 * in.reg + 1] = 0;
        }
    }

    static void movssStore(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] x = c.fpu.xmm;
        if (in.rm >= 0) {
            x[2 * in.rm] = (x[2 * in.rm] & ~0xFFFF_FFFFL) | (x[2 * in.reg] & 0xFFFF_FFFFL);
        } else {
            c.wr(c.addr(in), 4, x[2 * in.reg]);
        }
    }

    /** MOVSD load: memory zero-extends, register merges the low quadword. */
    static void movsdLoad(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] x = c.fpu.xmm;
        if (in.rm >= 0) {
            x[2 * in.reg] = x[2 * in.rm];
        } else {
            x[2 * in.reg] = c.rd(c.addr(in), 8);
            x[2 * in.reg + 1] = 0;
        }
    }

    /** MOVSD store, MOVLPS/MOVLPD store, MOVQ m64/xmm store (66 0F D6: a register destination zeroes its top). */
    static void movLowStore(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] x = c.fpu.xmm;
        if (in.rm >= 0) {
            x[2 * in.rm] = x[2 * in.reg];
            if (in.op2 == 0xD6) {
                x[2 * in.rm + 1] = 0;
            }
        } else {
            c.wr(c.addr(in), 8, x[2 * in.reg]);
        }
    }

    /** MOVQ xmm, xmm/m64 (F3 0F 7E): the high quadword is zeroed. */
    static void movqLoad(Cpu c, Insn in) {
        FxSave.checkSse(c);
        c.fpu.xmm[2 * in.reg] = src64(c, in);
        c.fpu.xmm[2 * in.reg + 1] = 0;
    }

    /** MOVLPS/MOVLPD xmm, m64 (memory only) and MOVHLPS xmm, xmm (register form of 0F 12). */
    static void movLowLoad(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] x = c.fpu.xmm;
        x[2 * in.reg] = in.rm >= 0 ? x[2 * in.rm + 1] : c.rd(c.addr(in), 8);
    }

    /** MOVHPS/MOVHPD xmm, m64 and MOVLHPS xmm, xmm (register form of 0F 16). */
    static void movHighLoad(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] x = c.fpu.xmm;
        x[2 * in.reg + 1] = in.rm >= 0 ? x[2 * in.rm] : c.rd(c.addr(in), 8);
    }

    /** MOVHPS/MOVHPD m64, xmm. */
    static void movHighStore(Cpu c, Insn in) {
        FxSave.checkSse(c);
        c.wr(c.addr(in), 8, c.fpu.xmm[2 * in.reg + 1]);
    }

    /** MOVD/MOVQ xmm, r/m32/64 (66 0F 6E): zero-extended to 128 bits. */
    static void movdToXmm(Cpu c, Insn in) {
        FxSave.checkSse(c);
        int size = in.size == 8 ? 8 : 4;
        long v = in.rm >= 0 ? c.getReg(in.rm, size) : c.rd(c.addr(in), size);
        c.fpu.xmm[2 * in.reg] = v;
        c.fpu.xmm[2 * in.reg + 1] = 0;
    }

    /** MOVD/MOVQ r/m32/64, xmm (66 0F 7E). */
    static void movdFromXmm(Cpu c, Insn in) {
        FxSave.checkSse(c);
        int size = in.size == 8 ? 8 : 4;
        long v = c.fpu.xmm[2 * in.reg];
        if (in.rm >= 0) {
            c.setReg(in.rm, size, v);
        } else {
            c.wr(c.addr(in), size, v);
        }
    }

    /** MOVNTI m32/m64, r (0F C3): a plain store (no SSE state involved, no CR0/CR4 checks). */
    static void movnti(Cpu c, Insn in) {
        int size = in.size == 8 ? 8 : 4;
        c.wr(c.addr(in), size, c.getReg(in.reg, size));
    }

    /** PMOVMSKB r32, xmm: the top bit of each byte. */
    static void pmovmskb(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long lo = c.fpu.xmm[2 * in.rm], hi = c.fpu.xmm[2 * in.rm + 1];
        c.setReg(in.reg, in.size == 8 ? 8 : 4, byteMask(lo) | (byteMask(hi) << 8));
    }

    private static long byteMask(long v) {
        long t = (v & 0x8080_8080_8080_8080L) >>> 7; // one bit per byte, at the byte's bit 0
        return ((t * 0x0102_0408_1020_4080L) >>> 56) & 0xFF;
    }

    /** MOVMSKPS / MOVMSKPD r32, xmm: the sign bits. */
    static void movmsk(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long lo = c.fpu.xmm[2 * in.rm], hi = c.fpu.xmm[2 * in.rm + 1];
        long m;
        if ((in.pfx & Insn.P_OPSIZE) != 0) {
            m = (lo >>> 63) | ((hi >>> 63) << 1);
        } else {
            m = ((lo >>> 31) & 1) | ((lo >>> 63) << 1) | (((hi >>> 31) & 1) << 2) | ((hi >>> 63) << 3);
        }
        c.setReg(in.reg, in.size == 8 ? 8 : 4, m);
    }

    /** PEXTRW r32, xmm, imm8 / PINSRW xmm, r32/m16, imm8. */
    static void pextrw(Cpu c, Insn in) {
        FxSave.checkSse(c);
        int i = (int) in.imm & 7;
        long w = c.fpu.xmm[2 * in.rm + (i >> 2)] >>> (16 * (i & 3));
        c.setReg(in.reg, in.size == 8 ? 8 : 4, w & 0xFFFF);
    }

    static void pinsrw(Cpu c, Insn in) {
        FxSave.checkSse(c);
        int i = (int) in.imm & 7;
        long w = (in.rm >= 0 ? c.getReg(in.rm, 2) : c.rd(c.addr(in), 2)) & 0xFFFF;
        int q = 2 * in.reg + (i >> 2);
        int sh = 16 * (i & 3);
        c.fpu.xmm[q] = (c.fpu.xmm[q] & ~(0xFFFFL << sh)) | (w << sh);
    }

    // ------------------------------------------------------------------------------------------ lane-wise integer

    /** Lane width in bytes of a 66 0F xx integer operation. */
    static int width(int op) {
        switch (op) {
            case 0x64: case 0x74: case 0xD8: case 0xDA: case 0xDC: case 0xDE: case 0xE0: case 0xE8: case 0xEC:
            case 0xF8: case 0xFC:
                return 1;
            case 0x65: case 0x75: case 0xD5: case 0xD9: case 0xDD: case 0xE3: case 0xE4: case 0xE5: case 0xE9:
            case 0xEA: case 0xED: case 0xEE: case 0xF9: case 0xFD:
                return 2;
            case 0x66: case 0x76: case 0xFA: case 0xFE:
                return 4;
            default:
                return 8;
        }
    }

    /** The packed integer operations, lane by lane (PAND/POR/PXOR/PANDN and PCMPEQB are done on whole words). */
    static void packed(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, true, s);
        long[] x = c.fpu.xmm;
        int d = 2 * in.reg;
        int op = in.op2;
        x[d] = word(op, x[d], s[0]);
        x[d + 1] = word(op, x[d + 1], s[1]);
    }

    static long word(int op, long a, long b) {
        switch (op) {
            case 0xDB: case 0x54: return a & b;
            case 0xDF: case 0x55: return ~a & b;
            case 0xEB: case 0x56: return a | b;
            case 0xEF: case 0x57: return a ^ b;
            case 0x74: {
                long t = a ^ b;
                long nz = ((t & 0x7F7F_7F7F_7F7F_7F7FL) + 0x7F7F_7F7F_7F7F_7F7FL | t) & 0x8080_8080_8080_8080L;
                return ((nz ^ 0x8080_8080_8080_8080L) >>> 7) * 0xFF;
            }
            case 0xD4: return a + b;
            case 0xFB: return a - b;
            case 0xF4: return (a & 0xFFFF_FFFFL) * (b & 0xFFFF_FFFFL);
            default: break;
        }
        int w = width(op);
        int bits = 8 * w;
        long mask = (1L << bits) - 1;
        long r = 0;
        for (int sh = 0; sh < 64; sh += bits) {
            long ua = (a >>> sh) & mask, ub = (b >>> sh) & mask;
            long sa = (ua << (64 - bits)) >> (64 - bits), sb = (ub << (64 - bits)) >> (64 - bits);
            long v = lane(op, ua, ub, sa, sb, bits);
            r |= (v & mask) << sh;
        }
        return r;
    }

    private static long lane(int op, long ua, long ub, long sa, long sb, int bits) {
        long umax = (1L << bits) - 1, smax = (1L << (bits - 1)) - 1, smin = -(1L << (bits - 1));
        switch (op) {
            case 0x64: case 0x65: case 0x66: return sa > sb ? -1 : 0;
            case 0x75: case 0x76: return ua == ub ? -1 : 0;
            case 0xF8: case 0xF9: case 0xFA: return ua - ub;
            case 0xFC: case 0xFD: case 0xFE: return ua + ub;
            case 0xD8: case 0xD9: return Math.max(0, ua - ub);
            case 0xDC: case 0xDD: return Math.min(umax, ua + ub);
            case 0xE8: case 0xE9: return Math.max(smin, Math.min(smax, sa - sb));
            case 0xEC: case 0xED: return Math.max(smin, Math.min(smax, sa + sb));
            case 0xDA: return Math.min(ua, ub);
            case 0xDE: return Math.max(ua, ub);
            case 0xEA: return Math.min(sa, sb);
            case 0xEE: return Math.max(sa, sb);
            case 0xE0: case 0xE3: return (ua + ub + 1) >>> 1;
            case 0xD5: return sa * sb;
            case 0xE5: return (sa * sb) >> 16;
            case 0xE4: return (ua * ub) >>> 16;
            default: throw new IllegalStateException("lane op " + Integer.toHexString(op));
        }
    }

    /** PMADDWD: pairs of signed word products summed into dwords. */
    static void pmaddwd(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, true, s);
        long[] x = c.fpu.xmm;
        for (int q = 0; q < 2; q++) {
            long a = x[2 * in.reg + q], b = s[q], r = 0;
            for (int k = 0; k < 2; k++) {
                long p = (long) (short) (a >>> (32 * k)) * (short) (b >>> (32 * k))
                        + (long) (short) (a >>> (32 * k + 16)) * (short) (b >>> (32 * k + 16));
                r |= (p & 0xFFFF_FFFFL) << (32 * k);
            }
            x[2 * in.reg + q] = r;
        }
    }

    /** PSADBW: sums of absolute byte differences per quadword. */
    static void psadbw(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, true, s);
        long[] x = c.fpu.xmm;
        for (int q = 0; q < 2; q++) {
            long a = x[2 * in.reg + q], b = s[q], sum = 0;
            for (int k = 0; k < 64; k += 8) {
                sum += Math.abs(((a >>> k) & 0xFF) - ((b >>> k) & 0xFF));
            }
            x[2 * in.reg + q] = sum;
        }
    }

    // ------------------------------------------------------------------------------------------ shuffles, packs

    /** PUNPCKL/H BW, WD, DQ, QDQ and UNPCKLPS/PD, UNPCKHPS/PD: interleave the low or high halves. */
    static void unpack(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, true, s);
        long[] x = c.fpu.xmm;
        int op = in.op2;
        int w;
        boolean high;
        switch (op) {
            case 0x60: w = 1; high = false; break;
            case 0x61: w = 2; high = false; break;
            case 0x62: w = 4; high = false; break;
            case 0x6C: w = 8; high = false; break;
            case 0x68: w = 1; high = true; break;
            case 0x69: w = 2; high = true; break;
            case 0x6A: w = 4; high = true; break;
            case 0x6D: w = 8; high = true; break;
            case 0x14: w = (in.pfx & Insn.P_OPSIZE) != 0 ? 8 : 4; high = false; break;
            default: w = (in.pfx & Insn.P_OPSIZE) != 0 ? 8 : 4; high = true; break; // 0x15
        }
        long a = x[2 * in.reg + (high ? 1 : 0)], b = s[high ? 1 : 0];
        if (w == 8) {
            x[2 * in.reg] = a;
            x[2 * in.reg + 1] = b;
            return;
        }
        int bits = 8 * w;
        long mask = (1L << bits) - 1;
        long lo = 0, hi = 0;
        int n = 64 / bits; // lanes per source half
        for (int i = 0; i < n; i++) {
            long la = (a >>> (i * bits)) & mask, lb = (b >>> (i * bits)) & mask;
            int pos = 2 * i * bits; // bit position in the 128-bit result
            long pair = la | (lb << bits);
            if (pos < 64) {
                lo |= pair << pos;
            } else {
                hi |= pair << (pos - 64);
            }
        }
        x[2 * in.reg] = lo;
        x[2 * in.reg + 1] = hi;
    }

    /** PACKSSWB, PACKSSDW, PACKUSWB: saturate destination then source lanes to half width. */
    static void pack(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, true, s);
        long[] x = c.fpu.xmm;
        int op = in.op2;
        int w = op == 0x6B ? 4 : 2;
        int bits = 8 * w, half = bits / 2;
        long[] in4 = {x[2 * in.reg], x[2 * in.reg + 1], s[0], s[1]};
        long lo = 0, hi = 0;
        int k = 0;
        for (long word : in4) {
            for (int sh = 0; sh < 64; sh += bits) {
                long v = (word << (64 - bits - sh)) >> (64 - bits);
                long r = op == 0x67 ? Math.max(0, Math.min(255, v))
                        : Math.max(-(1L << (half - 1)), Math.min((1L << (half - 1)) - 1, v));
                r &= (1L << half) - 1;
                int pos = k * half;
                if (pos < 64) {
                    lo |= r << pos;
                } else {
                    hi |= r << (pos - 64);
                }
                k++;
            }
        }
        x[2 * in.reg] = lo;
        x[2 * in.reg + 1] = hi;
    }

    /** PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2) xmm, xmm/m128, imm8. */
    static void pshuf(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, true, s);
        long[] x = c.fpu.xmm;
        int imm = (int) in.imm;
        if ((in.pfx & Insn.P_REP) != 0 || (in.pfx & Insn.P_REPNE) != 0) {
            boolean highHalf = (in.pfx & Insn.P_REP) != 0;
            long src = s[highHalf ? 1 : 0], r = 0;
            for (int i = 0; i < 4; i++) {
                r |= ((src >>> (16 * ((imm >> (2 * i)) & 3))) & 0xFFFF) << (16 * i);
            }
            x[2 * in.reg + (highHalf ? 1 : 0)] = r;
            x[2 * in.reg + (highHalf ? 0 : 1)] = s[highHalf ? 0 : 1];
            return;
        }
        long[] d = new long[2];
        for (int i = 0; i < 4; i++) {
            d[i >> 1] |= dword(s, (imm >> (2 * i)) & 3) << (32 * (i & 1));
        }
        x[2 * in.reg] = d[0];
        x[2 * in.reg + 1] = d[1];
    }

    private static long dword(long[] v, int i) {
        return (v[i >> 1] >>> (32 * (i & 1))) & 0xFFFF_FFFFL;
    }

    /** SHUFPS (two dwords from the destination, two from the source) and SHUFPD (66). */
    static void shuf(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, true, s);
        long[] x = c.fpu.xmm;
        int imm = (int) in.imm;
        long[] d = {x[2 * in.reg], x[2 * in.reg + 1]};
        if ((in.pfx & Insn.P_OPSIZE) != 0) {
            x[2 * in.reg] = d[imm & 1];
            x[2 * in.reg + 1] = s[(imm >> 1) & 1];
            return;
        }
        long lo = dword(d, imm & 3) | (dword(d, (imm >> 2) & 3) << 32);
        long hi = dword(s, (imm >> 4) & 3) | (dword(s, (imm >> 6) & 3) << 32);
        x[2 * in.reg] = lo;
        x[2 * in.reg + 1] = hi;
    }

    // ------------------------------------------------------------------------------------------ shifts

    /** PSRLW/D/Q, PSRAW/D, PSLLW/D/Q by an XMM or m128 count (the low quadword, unsigned). */
    static void shiftX(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        src(c, in, true, s);
        int kind, w;
        switch (in.op2) {
            case 0xD1: kind = 2; w = 2; break;
            case 0xD2: kind = 2; w = 4; break;
            case 0xD3: kind = 2; w = 8; break;
            case 0xE1: kind = 4; w = 2; break;
            case 0xE2: kind = 4; w = 4; break;
            case 0xF1: kind = 6; w = 2; break;
            case 0xF2: kind = 6; w = 4; break;
            default: kind = 6; w = 8; break;
        }
        shiftReg(c, in.reg, kind, w, s[0]);
    }

    /** 66 0F 71/72/73 with imm8: /2 logical right, /4 arithmetic right, /6 left; 73 /3 PSRLDQ and /7 PSLLDQ (bytes). */
    static void shiftI(Cpu c, Insn in) {
        FxSave.checkSse(c);
        int kind = in.imm2 == 0 ? 0 : (int) in.imm2;
        int w = in.op2 == 0x71 ? 2 : in.op2 == 0x72 ? 4 : 8;
        long n = in.imm & 0xFF;
        if (in.op2 == 0x73 && (kind == 3 || kind == 7)) {
            long[] x = c.fpu.xmm;
            int r = 2 * in.rm;
            int bits = (int) Math.min(16, n) * 8;
            long lo = x[r], hi = x[r + 1];
            if (kind == 3) { // right
                if (bits >= 128) { lo = hi = 0; }
                else if (bits >= 64) { lo = hi >>> (bits - 64); hi = 0; }
                else if (bits > 0) { lo = (lo >>> bits) | (hi << (64 - bits)); hi >>>= bits; }
            } else {
                if (bits >= 128) { lo = hi = 0; }
                else if (bits >= 64) { hi = lo << (bits - 64); lo = 0; }
                else if (bits > 0) { hi = (hi << bits) | (lo >>> (64 - bits)); lo <<= bits; }
            }
            x[r] = lo;
            x[r + 1] = hi;
            return;
        }
        shiftReg(c, in.rm, kind, w, n);
    }

    private static void shiftReg(Cpu c, int reg, int kind, int w, long n) {
        long[] x = c.fpu.xmm;
        int bits = 8 * w;
        for (int q = 0; q < 2; q++) {
            long v = x[2 * reg + q], r = 0;
            long mask = bits == 64 ? -1L : (1L << bits) - 1;
            for (int sh = 0; sh < 64; sh += bits) {
                long lane = (v >>> sh) & mask;
                long out;
                if (kind == 4) {
                    long s = (lane << (64 - bits)) >> (64 - bits);
                    out = s >> Math.min(n < 0 ? bits - 1 : n, bits - 1);
                } else if (Long.compareUnsigned(n, bits) >= 0) {
                    out = 0;
                } else {
                    out = kind == 2 ? lane >>> n : lane << n;
                }
                r |= (out & mask) << sh;
            }
            x[2 * reg + q] = r;
        }
    }
}
