package dev.celadon.emulator.cpu;

/**
 * SSE/SSE2 floating point: arithmetic (ADD SUB MUL DIV MIN MAX SQRT in PS/PD/SS/SD forms), compares (CMPcc,
 * COMIS/UCOMIS), conversions. Java's double arithmetic is IEEE binary64 with round-to-nearest; results in the
 * other MXCSR rounding modes and the precision/underflow/overflow flags come from the exact error of the
 * rounded result (TwoSum for add/sub, FMA residuals for mul/div/sqrt), then {@link Float80#round}. Single
 * precision is computed in double (exact for products; for + - / and sqrt the double rounding is innocuous,
 * 53 &ge; 2·24 + 2) and rounded once more with the error's sign as sticky information.
 * {@code in.imm2} is the form: 0 PS, 1 PD, 2 SS, 3 SD; {@code in.op2} the opcode byte.
 */
final class SseFloat {
    private SseFloat() {
    }

    static final int PS = 0, PD = 1, SS = 2, SD = 3;
    // MXCSR flag bits (the masks are these shifted left by 7)
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;
    static final long QNAN_D = 0xFFF8_0000_0000_0000L;
    static final int QNAN_F = 0xFFC0_0000;

    /** Raises the unmasked exceptions among {@code f} (#XM with CR4.OSXMMEXCPT, else #UD) or records them in MXCSR. */
    static void commit(Cpu c, int f) {
        int mx = c.fpu.mxcsr;
        if ((f & ~(mx >> 7) & 0x3F) != 0) {
            if ((c.cr4 & Cpu.CR4_OSXMMEXCPT) == 0) {
                throw Fault.ud();
            }
            c.fpu.mxcsr = mx | (f & 0x3F & ~(mx >> 7) | f & 0x3F); // the flags are set before the #XM
            throw new Fault(Fault.XM, -1);
        }
        c.fpu.mxcsr = mx | (f & 0x3F);
    }

    static int rc(Cpu c) {
        return (c.fpu.mxcsr >> 13) & 3;
    }

    // ------------------------------------------------------------------------------------------ arithmetic

    static void arith(Cpu c, Insn in) {
        FxSave.checkSse(c);
        int form = (int) in.imm2;
        long[] x = c.fpu.xmm;
        int d = 2 * in.reg;
        int[] fl = c.fpu.flags;
        fl[0] = 0;
        int rc = rc(c);
        boolean fz = (c.fpu.mxcsr & 0x8000) != 0 && (c.fpu.mxcsr & (UE << 7)) != 0;
        int op = in.op2;
        long r0, r1;
        switch (form) {
            case SD: {
                long b = Sse.src64(c, in);
                r0 = opD(op, x[d], b, rc, fz, fl);
                r1 = x[d + 1];
                break;
            }
            case SS: {
                long b = Sse.src32(c, in);
                r0 = (x[d] & ~0xFFFF_FFFFL) | (opF(op, (int) x[d], (int) b, rc, fz, fl) & 0xFFFF_FFFFL);
                r1 = x[d + 1];
                break;
            }
            case PD: {
                long[] s = c.fpu.tmp;
                Sse.src(c, in, true, s);
                r0 = opD(op, x[d], s[0], rc, fz, fl);
                r1 = opD(op, x[d + 1], s[1], rc, fz, fl);
                break;
            }
            default: {
                long[] s = c.fpu.tmp;
                Sse.src(c, in, true, s);
                r0 = packF(op, x[d], s[0], rc, fz, fl);
                r1 = packF(op, x[d + 1], s[1], rc, fz, fl);
                break;
            }
        }
        commit(c, fl[0]);
        x[d] = r0;
        x[d + 1] = r1;
    }

    private static long packF(int op, long a, long b, int rc, boolean fz, int[] fl) {
        long lo = opF(op, (int) a, (int) b, rc, fz, fl) & 0xFFFF_FFFFL;
        long hi = opF(op, (int) (a >>> 32), (int) (b >>> 32), rc, fz, fl) & 0xFFFF_FFFFL;
        return lo | (hi << 32);
    }

    static boolean isSnanD(long v) {
        return (v & 0x7FF0_0000_0000_0000L) == 0x7FF0_0000_0000_0000L && (v & 0xF_FFFF_FFFF_FFFFL) != 0
                && (v & 0x8_0000_0000_0000L) == 0;
    }

    static boolean isNanD(long v) {
        return (v & 0x7FFF_FFFF_FFFF_FFFFL) > 0x7FF0_0000_0000_0000L;
    }

    static boolean isDenD(long v) {
        return (v & 0x7FF0_0000_0000_0000L) == 0 && (v & 0xF_FFFF_FFFF_FFFFL) != 0;
    }

    static boolean isSnanF(int v) {
        return (v & 0x7F80_0000) == 0x7F80_0000 && (v & 0x7F_FFFF) != 0 && (v & 0x40_0000) == 0;
    }

    static boolean isNanF(int v) {
        return (v & 0x7FFF_FFFF) > 0x7F80_0000;
    }

    static boolean isDenF(int v) {
        return (v & 0x7F80_0000) == 0 && (v & 0x7F_FFFF) != 0;
    }

    /** One binary64 lane of op (0x51 sqrt of b; 0x58 add, 0x59 mul, 0x5C sub, 0x5D min, 0x5E div, 0x5F max). */
    static long opD(int op, long ab, long bb, int rc, boolean fz, int[] fl) {
        boolean unary = op == 0x51;
        if (op == 0x5D || op == 0x5F) {
            double a = Double.longBitsToDouble(ab), b = Double.longBitsToDouble(bb);
            if (isNanD(ab) || isNanD(bb)) {
                fl[0] |= IE; // MIN/MAX signal on any NaN; the result is the source operand
                return bb;
            }
            if (isDenD(ab) || isDenD(bb)) {
                fl[0] |= DE;
            }
            return op == 0x5D ? (a < b ? ab : bb) : (a > b ? ab : bb);
        }
        if (unary ? isNanD(bb) : isNanD(ab) || isNanD(bb)) {
            if (isSnanD(bb) || !unary && isSnanD(ab)) {
                fl[0] |= IE;
            }
            long n = !unary && isNanD(ab) ? ab : bb;
            return n | 0x8_0000_0000_0000L;
        }
        double a = Double.longBitsToDouble(ab), b = Double.longBitsToDouble(bb);
        if ((isDenD(bb) || !unary && isDenD(ab)) && !(op == 0x5E && b == 0)) {
            fl[0] |= DE; // a denormal operand (not reported with a zero divisor)
        }
        double r, err;
        switch (op) {
            case 0x51:
                if (b < 0) {
                    fl[0] |= IE;
                    return QNAN_D;
                }
                if (b != 0 && b < SMALL) {
                    double bs = Math.scalb(b, 1000); // exact; the residual of a subnormal's root would underflow
                    double rs = Math.sqrt(bs);
                    return finishScaled(rs, Math.fma(-rs, rs, bs), -500, false, rc, fz, fl);
                }
                r = Math.sqrt(b);
                err = Double.isInfinite(r) || r == 0 ? 0 : Math.fma(-r, r, b);
                break;
            case 0x58: case 0x5C: {
                if (op == 0x5C) {
                    b = -b;
                }
                if (Double.isInfinite(a) && Double.isInfinite(b) && a != b) {
                    fl[0] |= IE;
                    return QNAN_D;
                }
                r = a + b;
                if (Double.isInfinite(r) || Double.isInfinite(a) || Double.isInfinite(b)) {
                    err = 0;
                } else {
                    double bv = r - a;
                    err = (a - (r - bv)) + (b - bv);
                }
                if (r == 0 && err == 0 && rc == Float80.RD
                        && !(Double.doubleToRawLongBits(a) == 0 && Double.doubleToRawLongBits(b) == 0)) {
                    r = -0.0; // an exact zero sum of opposite signs is -0 when rounding down
                }
                break;
            }
            case 0x59:
                if ((Double.isInfinite(a) && b == 0) || (a == 0 && Double.isInfinite(b))) {
                    fl[0] |= IE;
                    return QNAN_D;
                }
                r = a * b;
                if (a != 0 && b != 0 && !Double.isInfinite(a) && !Double.isInfinite(b)
                        && (Math.abs(r) < TINY || Math.abs(a) < SMALL || Math.abs(b) < SMALL)) {
                    return tiny(a, b, false, rc, fz, fl);
                }
                err = Double.isInfinite(r) || Double.isInfinite(a) || Double.isInfinite(b) ? 0 : Math.fma(a, b, -r);
                break;
            default: // 0x5E
                if (a == 0 && b == 0 || Double.isInfinite(a) && Double.isInfinite(b)) {
                    fl[0] |= IE;
                    return QNAN_D;
                }
                if (b == 0) {
                    if (!Double.isInfinite(a)) {
                        fl[0] |= ZE;
                    }
                    return Double.doubleToRawLongBits(a / b);
                }
                r = a / b;
                if (a != 0 && !Double.isInfinite(a) && !Double.isInfinite(b)
                        && (Math.abs(r) < TINY || Math.abs(a) < SMALL || Math.abs(b) < SMALL)) {
                    return tiny(a, b, true, rc, fz, fl);
                }
                err = Double.isInfinite(r) || Double.isInfinite(a) || Double.isInfinite(b) || r == 0 && a == 0 ? 0
                        : Math.signum(Math.fma(-r, b, a)) * Math.signum(b);
                break;
        }
        boolean operandsFinite = !Double.isInfinite(a) && (!Double.isInfinite(b));
        return finish(r, err, operandsFinite, false, rc, fz, fl);
    }

    /** Below this a product or quotient may be subnormal, where the FMA residual is no longer exact. */
    private static final double TINY = 0x1p-1000;
    /** Operands below this take the scaled path too: residuals of products with them may underflow. */
    private static final double SMALL = 0x1p-900;

    /**
     * A product or quotient with a tiny result: the operands are scaled to [1, 2) (exactly), the scaled result
     * and its exact residual computed, and the rounding to the subnormal range done on the bits.
     */
    private static long tiny(double a, double b, boolean div, int rc, boolean fz, int[] fl) {
        int ea = exponent(a), eb = exponent(b);
        double ma = Math.scalb(a, -ea), mb = Math.scalb(b, -eb);
        double m, err;
        int scale;
        if (div) {
            m = ma / mb;
            err = Math.signum(Math.fma(-m, mb, ma)) * Math.signum(mb);
            scale = ea - eb;
        } else {
            m = ma * mb;
            err = Math.fma(ma, mb, -m);
            scale = ea + eb;
        }
        return finishScaled(m, err, scale, false, rc, fz, fl);
    }

    /** The binary exponent of a finite nonzero double, subnormals included. */
    private static int exponent(double v) {
        int e = Math.getExponent(v);
        return e >= Double.MIN_EXPONENT ? e : Math.getExponent(v * 0x1p54) - 54;
    }

    /** One binary32 lane, computed in double and rounded to single once (see the class comment). */
    static int opF(int op, int ab, int bb, int rc, boolean fz, int[] fl) {
        boolean unary = op == 0x51;
        if (op == 0x5D || op == 0x5F) {
            float a = Float.intBitsToFloat(ab), b = Float.intBitsToFloat(bb);
            if (isNanF(ab) || isNanF(bb)) {
                fl[0] |= IE;
                return bb;
            }
            if (isDenF(ab) || isDenF(bb)) {
                fl[0] |= DE;
            }
            return op == 0x5D ? (a < b ? ab : bb) : (a > b ? ab : bb);
        }
        if (unary ? isNanF(bb) : isNanF(ab) || isNanF(bb)) {
            if (isSnanF(bb) || !unary && isSnanF(ab)) {
                fl[0] |= IE;
            }
            int n = !unary && isNanF(ab) ? ab : bb;
            return n | 0x40_0000;
        }
        double a = Float.intBitsToFloat(ab), b = Float.intBitsToFloat(bb);
        if ((isDenF(bb) || !unary && isDenF(ab)) && !(op == 0x5E && b == 0)) {
            fl[0] |= DE;
        }
        double r, err;
        switch (op) {
            case 0x51:
                if (b < 0) {
                    fl[0] |= IE;
                    return QNAN_F;
                }
                r = Math.sqrt(b);
                err = Double.isInfinite(r) || r == 0 ? 0 : Math.fma(-r, r, b);
                break;
            case 0x58: case 0x5C: {
                if (op == 0x5C) {
                    b = -b;
                }
                if (Double.isInfinite(a) && Double.isInfinite(b) && a != b) {
                    fl[0] |= IE;
                    return QNAN_F;
                }
                r = a + b;
                if (Double.isInfinite(r)) {
                    err = 0;
                } else {
                    double bv = r - a;
                    err = (a - (r - bv)) + (b - bv);
                }
                if (r == 0 && err == 0 && rc == Float80.RD && !(ab == 0 && (op == 0x5C ? bb == 0x8000_0000 : bb == 0))) {
                    r = -0.0;
                }
                break;
            }
            case 0x59:
                if ((Double.isInfinite(a) && b == 0) || (a == 0 && Double.isInfinite(b))) {
                    fl[0] |= IE;
                    return QNAN_F;
                }
                r = a * b; // exact: 48 significant bits
                err = 0;
                break;
            default:
                if (a == 0 && b == 0 || Double.isInfinite(a) && Double.isInfinite(b)) {
                    fl[0] |= IE;
                    return QNAN_F;
                }
                if (b == 0) {
                    if (!Double.isInfinite(a)) {
                        fl[0] |= ZE;
                    }
                    return Float.floatToRawIntBits((float) (a / b));
                }
                r = a / b;
                err = Double.isInfinite(r) || r == 0 && a == 0 ? 0 : Math.signum(Math.fma(-r, b, a)) * Math.signum(b);
                break;
        }
        boolean operandsFinite = !Double.isInfinite(a) && !Double.isInfinite(b);
        return (int) finish(r, err, operandsFinite, true, rc, fz, fl);
    }

    /**
     * The result {@code r} (round-to-nearest double) whose exact value is r + err (only err's sign and whether it
     * is zero matter), rounded to double or single with {@code rc}; flags PE, UE, OE; FZ flushes tiny results.
     */
    static long finish(double r, double err, boolean operandsFinite, boolean single, int rc, boolean fz, int[] fl) {
        int frac = single ? 23 : 52, bias = single ? 127 : 1023, signBit = single ? 31 : 63;
        if (Double.isNaN(r)) {
            return single ? QNAN_F & 0xFFFF_FFFFL : QNAN_D;
        }
        int[] rf = new int[1];
        long bits;
        if (Double.isInfinite(r)) {
            if (!operandsFinite) {
                return single ? Float.floatToRawIntBits((float) r) & 0xFFFF_FFFFL : Double.doubleToRawLongBits(r);
            }
            bits = Float80.round(r < 0, 1L << 63, 20000, false, frac, bias, signBit, rc, rf);
        } else if (r == 0) {
            return single ? Float.floatToRawIntBits((float) r) & 0xFFFF_FFFFL : Double.doubleToRawLongBits(r);
        } else if (!single && rc == Float80.RN) {
            bits = Double.doubleToRawLongBits(r);
            if (err != 0) {
                rf[0] |= Float80.INEXACT;
                if (Math.abs(r) < Double.MIN_NORMAL) {
                    rf[0] |= Float80.UNDERFLOW;
                }
            }
        } else {
            return finishScaled(r, err, 0, single, rc, fz, fl);
        }
        return flags(bits, rf[0], single, fz, fl);
    }

    /** As {@link #finish} for the value (r + err) * 2^scale, r finite and nonzero, rounded on the bits. */
    static long finishScaled(double r, double err, int scale, boolean single, int rc, boolean fz, int[] fl) {
        int frac = single ? 23 : 52, bias = single ? 127 : 1023, signBit = single ? 31 : 63;
        int[] rf = new int[1];
        long bits;
        if (!single && rc == Float80.RN && exponent(r) + scale >= Double.MIN_EXPONENT
                && exponent(r) + scale <= Double.MAX_EXPONENT) {
            // a normal double: r is already the nearest (scaling by a power of two is exact here)
            bits = Double.doubleToRawLongBits(Math.scalb(r, scale));
            if (err != 0) {
                rf[0] |= Float80.INEXACT;
            }
        } else {
            double v = r;
            if (err != 0 && (err < 0) != (r < 0)) {
                double t = Math.nextAfter(r, 0.0);
                if (t != 0) {
                    v = t; // the exact value lies strictly between t and r
                }
            }
            long db = Double.doubleToRawLongBits(v);
            int e = (int) (db >>> 52) & 0x7FF;
            long f = db & 0xF_FFFF_FFFF_FFFFL;
            long mm;
            int exp;
            if (e == 0) {
                int lz = Long.numberOfLeadingZeros(f);
                mm = f << lz;
                exp = (63 - lz) - 1074;
            } else {
                mm = (1L << 63) | (f << 11);
                exp = e - 1023;
            }
            bits = Float80.round(v < 0, mm, exp + scale, err != 0, frac, bias, signBit, rc, rf);
        }
        return flags(bits, rf[0], single, fz, fl);
    }

    private static long flags(long bits, int rf0, boolean single, boolean fz, int[] fl) {
        int signBit = single ? 31 : 63;
        int[] rf = {rf0};
        int g = 0;
        if ((rf[0] & Float80.INEXACT) != 0) {
            g |= PE;
        }
        if ((rf[0] & Float80.OVERFLOW) != 0) {
            g |= OE;
        }
        if ((rf[0] & Float80.UNDERFLOW) != 0) {
            g |= UE;
            if (fz) {
                bits &= 1L << signBit;
                g |= PE;
            }
        }
        fl[0] |= g;
        return single ? bits & 0xFFFF_FFFFL : bits;
    }

    // ------------------------------------------------------------------------------------------ compares

    /** CMPPS/PD/SS/SD with imm8 predicate 0..7: EQ LT LE UNORD NEQ NLT NLE ORD; all-ones or zero per lane. */
    static void cmp(Cpu c, Insn in) {
        FxSave.checkSse(c);
        int form = (int) in.imm2;
        int pred = (int) in.imm & 7;
        long[] x = c.fpu.xmm;
        int d = 2 * in.reg;
        int[] fl = c.fpu.flags;
        fl[0] = 0;
        long r0, r1;
        switch (form) {
            case SD: r0 = cmpD(pred, x[d], Sse.src64(c, in), fl); r1 = x[d + 1]; break;
            case SS: r0 = (x[d] & ~0xFFFF_FFFFL) | (cmpF(pred, (int) x[d], (int) Sse.src32(c, in), fl) & 0xFFFF_FFFFL); r1 = x[d + 1]; break;
            case PD: {
                long[] s = c.fpu.tmp;
                Sse.src(c, in, true, s);
                r0 = cmpD(pred, x[d], s[0], fl);
                r1 = cmpD(pred, x[d + 1], s[1], fl);
                break;
            }
            default: {
                long[] s = c.fpu.tmp;
                Sse.src(c, in, true, s);
                r0 = (cmpF(pred, (int) x[d], (int) s[0], fl) & 0xFFFF_FFFFL) | ((long) cmpF(pred, (int) (x[d] >>> 32), (int) (s[0] >>> 32), fl) << 32);
                r1 = (cmpF(pred, (int) x[d + 1], (int) s[1], fl) & 0xFFFF_FFFFL) | ((long) cmpF(pred, (int) (x[d + 1] >>> 32), (int) (s[1] >>> 32), fl) << 32);
                break;
            }
        }
        commit(c, fl[0]);
        x[d] = r0;
        x[d + 1] = r1;
    }

    private static boolean pred(int p, double a, double b, boolean unordered) {
        switch (p) {
            case 0: return a == b;
            case 1: return a < b;
            case 2: return a <= b;
            case 3: return unordered;
            case 4: return !(a == b);
            case 5: return !(a < b);
            case 6: return !(a <= b);
            default: return !unordered;
        }
    }

    static long cmpD(int p, long ab, long bb, int[] fl) {
        boolean un = isNanD(ab) || isNanD(bb);
        if (isSnanD(ab) || isSnanD(bb) || un && (p == 1 || p == 2 || p == 5 || p == 6)) {
            fl[0] |= IE;
        } else if (!un && (isDenD(ab) || isDenD(bb))) {
            fl[0] |= DE;
        }
        return pred(p, Double.longBitsToDouble(ab), Double.longBitsToDouble(bb), un) ? -1L : 0;
    }

    static int cmpF(int p, int ab, int bb, int[] fl) {
        boolean un = isNanF(ab) || isNanF(bb);
        if (isSnanF(ab) || isSnanF(bb) || un && (p == 1 || p == 2 || p == 5 || p == 6)) {
            fl[0] |= IE;
        } else if (!un && (isDenF(ab) || isDenF(bb))) {
            fl[0] |= DE;
        }
        return pred(p, Float.intBitsToFloat(ab), Float.intBitsToFloat(bb), un) ? -1 : 0;
    }

    /** UCOMISS/UCOMISD (0x2E: #I only for SNaN) and COMISS/COMISD (0x2F: any NaN): ZF PF CF; OF SF AF cleared. */
    static void comis(Cpu c, Insn in) {
        FxSave.checkSse(c);
        boolean dbl = in.imm2 == PD;
        long ab = c.fpu.xmm[2 * in.reg], bb = dbl ? Sse.src64(c, in) : Sse.src32(c, in);
        boolean un, snan;
        double a, b;
        if (dbl) {
            un = isNanD(ab) || isNanD(bb);
            snan = isSnanD(ab) || isSnanD(bb);
            a = Double.longBitsToDouble(ab);
            b = Double.longBitsToDouble(bb);
        } else {
            un = isNanF((int) ab) || isNanF((int) bb);
            snan = isSnanF((int) ab) || isSnanF((int) bb);
            a = Float.intBitsToFloat((int) ab);
            b = Float.intBitsToFloat((int) bb);
        }
        int f = 0;
        if (snan || un && in.op2 == 0x2F) {
            f |= IE;
        } else if (!un && (dbl ? isDenD(ab) || isDenD(bb) : isDenF((int) ab) || isDenF((int) bb))) {
            f |= DE;
        }
        commit(c, f);
        int fl;
        if (un) {
            fl = Flags.ZF | Flags.PF | Flags.CF;
        } else if (a < b) {
            fl = Flags.CF;
        } else if (a == b) {
            fl = Flags.ZF;
        } else {
            fl = 0;
        }
        Flags.set(c, fl);
    }

    // ------------------------------------------------------------------------------------------ conversions

    private static long roundInt(long v, boolean single, int rc, int[] rf) {
        if (v == 0) {
            return 0;
        }
        return Float80.round(v < 0, Float80.intMant(v), (Float80.intSe(v) & 0x7FFF) - 16383, false,
                single ? 23 : 52, single ? 127 : 1023, single ? 31 : 63, rc, rf);
    }

    /** CVTSI2SD / CVTSI2SS xmm, r/m32/64 (rounded with MXCSR.RC). imm2: SD or SS. */
    static void cvtsi2s(Cpu c, Insn in) {
        FxSave.checkSse(c);
        int size = in.size == 8 ? 8 : 4;
        long v = in.rm >= 0 ? c.getReg(in.rm, size) : c.rd(c.addr(in), size);
        v = size == 4 ? (int) v : v;
        int[] rf = new int[1];
        boolean single = in.imm2 == SS;
        long bits = roundInt(v, single, rc(c), rf);
        commit(c, (rf[0] & Float80.INEXACT) != 0 ? PE : 0);
        int d = 2 * in.reg;
        c.fpu.xmm[d] = single ? (c.fpu.xmm[d] & ~0xFFFF_FFFFL) | bits : bits;
    }

    /** The 80-bit form of a double or single lane (exact). */
    private static long toInt(long bits, boolean single, int bytes, int rc, int[] rf) {
        double v = single ? Float.intBitsToFloat((int) bits) : Double.longBitsToDouble(bits);
        return Float80.toInt(Float80.fromDoubleMant(v), Float80.fromDoubleSe(v), bytes, rc, rf);
    }

    /** CVTSD2SI / CVTTSD2SI / CVTSS2SI / CVTTSS2SI r32/64, xmm/m (op2 0x2C truncates). */
    static void cvts2si(Cpu c, Insn in) {
        FxSave.checkSse(c);
        boolean single = in.imm2 == SS;
        long bits = single ? Sse.src32(c, in) : Sse.src64(c, in);
        int size = in.size == 8 ? 8 : 4;
        int[] rf = new int[1];
        long v = toInt(bits, single, size, in.op2 == 0x2C ? Float80.RZ : rc(c), rf);
        commit(c, rf[0] == -1 ? IE : (rf[0] & Float80.INEXACT) != 0 ? PE : 0);
        c.setReg(in.reg, size, v);
    }

    /** binary64 -> binary32 with MXCSR.RC (CVTSD2SS, CVTPD2PS). */
    private static long d2f(long b, int rc, boolean fz, int[] fl) {
        if (isNanD(b)) {
            if (isSnanD(b)) {
                fl[0] |= IE;
            }
            return ((b >>> 32) & 0x8000_0000L) | 0x7FC0_0000L | ((b >>> 29) & 0x3F_FFFFL);
        }
        double v = Double.longBitsToDouble(b);
        if (Double.isInfinite(v) || v == 0) {
            return Float.floatToRawIntBits((float) v) & 0xFFFF_FFFFL;
        }
        if (isDenD(b)) {
            fl[0] |= DE;
        }
        int[] rf = new int[1];
        float f = Float80.toFloat(Float80.fromDoubleMant(v), Float80.fromDoubleSe(v), rc, rf);
        long bits = Float.floatToRawIntBits(f) & 0xFFFF_FFFFL;
        int g = (rf[0] & Float80.INEXACT) != 0 ? PE : 0;
        if ((rf[0] & Float80.OVERFLOW) != 0) {
            g |= OE;
        }
        if ((rf[0] & Float80.UNDERFLOW) != 0) {
            g |= UE;
            if (fz) {
                bits &= 0x8000_0000L;
            }
        }
        fl[0] |= g;
        return bits;
    }

    private static long f2d(int b, int[] fl) {
        if (isNanF(b)) {
            if (isSnanF(b)) {
                fl[0] |= IE;
            }
            return ((long) (b & 0x8000_0000) << 32) | 0x7FF8_0000_0000_0000L | ((long) (b & 0x3F_FFFF) << 29);
        }
        if (isDenF(b)) {
            fl[0] |= DE;
        }
        return Double.doubleToRawLongBits(Float.intBitsToFloat(b));
    }

    /** 0F 5A: CVTPS2PD, CVTPD2PS (66), CVTSS2SD (F3), CVTSD2SS (F2). */
    static void cvt5a(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] x = c.fpu.xmm;
        int d = 2 * in.reg;
        int[] fl = c.fpu.flags;
        fl[0] = 0;
        int rc = rc(c);
        boolean fz = (c.fpu.mxcsr & 0x8000) != 0 && (c.fpu.mxcsr & (UE << 7)) != 0;
        long r0, r1;
        switch ((int) in.imm2) {
            case SS: r0 = f2d((int) Sse.src32(c, in), fl); r1 = x[d + 1]; break;
            case SD: r0 = (x[d] & ~0xFFFF_FFFFL) | d2f(Sse.src64(c, in), rc, fz, fl); r1 = x[d + 1]; break;
            case PD: {
                long[] s = c.fpu.tmp;
                Sse.src(c, in, true, s);
                r0 = d2f(s[0], rc, fz, fl) | (d2f(s[1], rc, fz, fl) << 32);
                r1 = 0;
                break;
            }
            default: {
                long v = Sse.src64(c, in);
                r0 = f2d((int) v, fl);
                r1 = f2d((int) (v >>> 32), fl);
                break;
            }
        }
        commit(c, fl[0]);
        x[d] = r0;
        x[d + 1] = r1;
    }

    /** 0F 5B: CVTDQ2PS (none), CVTPS2DQ (66, MXCSR.RC), CVTTPS2DQ (F3). */
    static void cvt5b(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long[] s = c.fpu.tmp;
        Sse.src(c, in, true, s);
        int[] rf = new int[1];
        int f = 0;
        long[] out = new long[2];
        int rc = in.imm2 == SS ? Float80.RZ : rc(c);
        for (int i = 0; i < 4; i++) {
            long v = (s[i >> 1] >>> (32 * (i & 1))) & 0xFFFF_FFFFL;
            long r;
            rf[0] = 0;
            if (in.imm2 == PS) {
                r = roundInt((int) v, true, rc(c), rf);
            } else {
                r = toInt(v, true, 4, rc, rf) & 0xFFFF_FFFFL;
            }
            f |= rf[0] == -1 ? IE : (rf[0] & Float80.INEXACT) != 0 ? PE : 0;
            out[i >> 1] |= r << (32 * (i & 1));
        }
        commit(c, f);
        c.fpu.xmm[2 * in.reg] = out[0];
        c.fpu.xmm[2 * in.reg + 1] = out[1];
    }

    /** 0F E6: CVTTPD2DQ (66), CVTDQ2PD (F3), CVTPD2DQ (F2). */
    static void cvtE6(Cpu c, Insn in) {
        FxSave.checkSse(c);
        long r0, r1;
        int f = 0;
        if (in.imm2 == SS) {
            long v = Sse.src64(c, in);
            r0 = Double.doubleToRawLongBits((int) v);
            r1 = Double.doubleToRawLongBits((int) (v >>> 32));
        } else {
            long[] s = c.fpu.tmp;
            Sse.src(c, in, true, s);
            int rc = in.imm2 == PD ? Float80.RZ : rc(c);
            int[] rf = new int[1];
            long lo = toInt(s[0], false, 4, rc, rf) & 0xFFFF_FFFFL;
            f |= rf[0] == -1 ? IE : (rf[0] & Float80.INEXACT) != 0 ? PE : 0;
            rf[0] = 0;
            long hi = toInt(s[1], false, 4, rc, rf) & 0xFFFF_FFFFL;
            f |= rf[0] == -1 ? IE : (rf[0] & Float80.INEXACT) != 0 ? PE : 0;
            r0 = lo | (hi << 32);
            r1 = 0;
        }
        commit(c, f);
        c.fpu.xmm[2 * in.reg] = r0;
        c.fpu.xmm[2 * in.reg + 1] = r1;
    }
}
