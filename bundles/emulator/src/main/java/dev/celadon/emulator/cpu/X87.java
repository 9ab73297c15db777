package dev.celadon.emulator.cpu;

/**
 * The x87 FPU (D8-DF). Registers hold exact 80-bit values (see {@link Fpu}); loads, stores, moves, FXCH, FCHS,
 * FABS, compares, FXAM and integer conversions are exact on the bits. Arithmetic (FADD FSUB FMUL FDIV FSQRT,
 * FPREM, FSCALE, FRNDINT, the transcendental ones) converts the operands to binary64, computes in Java double and
 * stores the result back: 53-bit precision (as with FCW.PC = double) whatever FCW.PC says; for FADD/FMUL/FDIV/FSQRT
 * the result is the correctly rounded binary64 of the binary64-rounded operands. Exceptions are always handled as
 * masked (the status flags are set; an unmasked one sets ES/B and a later waiting instruction raises #MF with
 * CR0.NE). {@code in.op2} is (opcode & 7) << 8 | ModRM.
 */
final class X87 {
    private X87() {
    }

    static final int C0 = 1 << 8, C1 = 1 << 9, C2 = 1 << 10, C3 = 1 << 14, ES = 1 << 7, SF = 1 << 6, B = 1 << 15;
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;
    /** The QNaN "real indefinite". */
    static final long IND_M = 0xC000_0000_0000_0000L;
    static final int IND_SE = 0xFFFF;

    static void run(Cpu c, Insn in) {
        int op = in.op2;
        int grp = op >> 8, modrm = op & 0xFF;
        boolean control = isControl(grp, modrm);
        FxSave.checkX87(c);
        Fpu f = c.fpu;
        if (!control && (f.fsw & ES) != 0 && (c.cr0 & Cpu.CR0_NE) != 0) {
            throw new Fault(Fault.MF, -1);
        }
        if (!control) {
            f.fip = c.curRip();
            f.fcs = c.segSel[Segment.CS];
            f.fop = op & 0x7FF;
            if (in.rm < 0) {
                f.fdp = c.effective(in) & (in.asize == 8 ? -1L : in.asize == 4 ? 0xFFFF_FFFFL : 0xFFFF);
                f.fds = in.seg >= 0 ? c.segSel[in.seg] : 0;
            }
        }
        if (in.rm < 0) {
            mem(c, in, grp, (modrm >> 3) & 7);
        } else {
            reg(c, grp, modrm);
        }
    }

    private static boolean isControl(int grp, int modrm) {
        int r = (modrm >> 3) & 7;
        if (modrm < 0xC0) {
            return grp == 1 && r >= 4 || grp == 5 && (r == 4 || r == 6 || r == 7);
        }
        return grp == 3 && (modrm == 0xE2 || modrm == 0xE3) || grp == 7 && modrm == 0xE0;
    }

    // ------------------------------------------------------------------------------------------ register stack

    static int phys(Fpu f, int i) {
        return (f.top + i) & 7;
    }

    /** Raises x87 exception flags: the summary bit ES (and B) when one of them is unmasked. */
    static void raise(Fpu f, int flags) {
        f.fsw |= flags & 0x7F;
        if ((flags & ~f.fcw & 0x3F) != 0) {
            f.fsw |= ES | B;
        }
    }

    private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[1]);

    /** ST(i) is empty: stack underflow (IE, SF, C1 = 0). Returns true when it is. */
    static boolean under(Fpu f, int i) {
        if (f.tag[phys(f, i)] == Fpu.TAG_EMPTY) {
            f.fsw &= ~C1;
            raise(f, IE | SF);
            return true;
        }
        return false;
    }

    static void set(Fpu f, int i, long m, int se) {
        int p = phys(f, i);
        f.mant[p] = m;
        f.se[p] = se & 0xFFFF;
        f.tag[p] = Fpu.classify(m, se);
    }

    static void setD(Fpu f, int i, double v) {
        set(f, i, Float80.fromDoubleMant(v), Float80.fromDoubleSe(v));
    }

    static void push(Fpu f, long m, int se) {
        int t = (f.top - 1) & 7;
        if (f.tag[t] != Fpu.TAG_EMPTY) {
            f.fsw |= C1;
            raise(f, IE | SF); // stack overflow: the indefinite is loaded (masked response)
            m = IND_M;
            se = IND_SE;
        }
        f.top = t;
        set(f, 0, m, se);
    }

    static void pushD(Fpu f, double v) {
        push(f, Float80.fromDoubleMant(v), Float80.fromDoubleSe(v));
    }

    static void pop(Fpu f) {
        f.tag[f.top] = Fpu.TAG_EMPTY;
        f.top = (f.top + 1) & 7;
    }

    static double st(Fpu f, int i) {
        int p = phys(f, i);
        int[] fl = SCRATCH.get();
        return Float80.toDouble(f.mant[p], f.se[p], Float80.RN, fl);
    }

    static int rc(Fpu f) {
        return (f.fcw >> 10) & 3;
    }

    // ------------------------------------------------------------------------------------------ arithmetic

    /** Compares ST(0) with a value exactly: C3 C2 C0 = 000 greater, 001 less, 100 equal, 111 unordered. */
    static int compare(long m1, int se1, long m2, int se2) {
        if (unsupported(m1, se1) || unsupported(m2, se2)) {
            return C3 | C2 | C0;
        }
        boolean nan1 = (se1 & 0x7FFF) == 0x7FFF && (m1 << 1) != 0, nan2 = (se2 & 0x7FFF) == 0x7FFF && (m2 << 1) != 0;
        if (nan1 || nan2) {
            return C3 | C2 | C0;
        }
        int s = cmp80(m1, se1, m2, se2);
        return s == 0 ? C3 : s < 0 ? C0 : 0;
    }

    private static int cmp80(long m1, int se1, long m2, int se2) {
        boolean z1 = m1 == 0 && (se1 & 0x7FFF) == 0 || (se1 & 0x7FFF) != 0x7FFF && m1 == 0;
        boolean z2 = m2 == 0 && (se2 & 0x7FFF) == 0 || (se2 & 0x7FFF) != 0x7FFF && m2 == 0;
        if (z1 && z2) {
            return 0;
        }
        boolean n1 = (se1 & 0x8000) != 0 && !z1, n2 = (se2 & 0x8000) != 0 && !z2;
        if (n1 != n2) {
            return n1 ? -1 : 1;
        }
        int mag;
        int e1 = z1 ? -1 : se1 & 0x7FFF, e2 = z2 ? -1 : se2 & 0x7FFF;
        if (e1 != e2) {
            mag = e1 < e2 ? -1 : 1;
        } else {
            mag = Long.compareUnsigned(m1, m2);
            mag = Integer.signum(mag);
        }
        return n1 ? -mag : mag;
    }

    private static boolean snan(long m, int se) {
        return (se & 0x7FFF) == 0x7FFF && (m << 1) != 0 && (m & (1L << 62)) == 0;
    }

    private static boolean nan(long m, int se) {
        return (se & 0x7FFF) == 0x7FFF && (m << 1) != 0;
    }

    /** FCOM/FUCOM family: sets C3 C2 C0 (C1 cleared); unordered compares with QNaN signal only for FCOM. */
    static void com(Fpu f, long m2, int se2, boolean unordered) {
        if (under(f, 0)) {
            f.fsw = f.fsw & ~(C0 | C2 | C3) | C0 | C2 | C3;
            return;
        }
        int p = phys(f, 0);
        int cc = compare(f.mant[p], f.se[p], m2, se2);
        if (snan(f.mant[p], f.se[p]) || snan(m2, se2) || unsupported(f.mant[p], f.se[p]) || unsupported(m2, se2)
                || !unordered && cc == (C3 | C2 | C0)) {
            raise(f, IE);
        }
        f.fsw = (f.fsw & ~(C0 | C1 | C2 | C3)) | cc;
    }

    /** FCOMI/FUCOMI family: ZF PF CF as C3 C2 C0, OF SF AF cleared. */
    static void comi(Cpu c, int i, boolean unordered) {
        Fpu f = c.fpu;
        f.fsw &= ~C1;
        if (under(f, 0) || under(f, i)) {
            Flags.set(c, Flags.ZF | Flags.PF | Flags.CF);
            return;
        }
        int p = phys(f, 0), q = phys(f, i);
        int cc = compare(f.mant[p], f.se[p], f.mant[q], f.se[q]);
        if (snan(f.mant[p], f.se[p]) || snan(f.mant[q], f.se[q]) || unsupported(f.mant[p], f.se[p])
                || unsupported(f.mant[q], f.se[q]) || !unordered && cc == (C3 | C2 | C0)) {
            raise(f, IE);
        }
        Flags.set(c, ((cc & C3) != 0 ? Flags.ZF : 0) | ((cc & C2) != 0 ? Flags.PF : 0) | ((cc & C0) != 0 ? Flags.CF : 0));
    }

    // ------------------------------------------------------------------------------------------ memory forms

    private static void mem(Cpu c, Insn in, int grp, int r) {
        Fpu f = c.fpu;
        long la = c.addr(in);
        int[] fl = SCRATCH.get();
        switch (grp) {
            case 0: case 2: case 4: case 6: { // arithmetic with m32real, m32int, m64real, m16int
                long m;
                int se;
                if (grp == 0) {
                    float v = Float.intBitsToFloat((int) c.rd(la, 4));
                    m = Float80.fromDoubleMant(v);
                    se = Float80.fromDoubleSe(v);
                } else if (grp == 4) {
                    double v = Double.longBitsToDouble(c.rd(la, 8));
                    m = Float80.fromDoubleMant(v);
                    se = Float80.fromDoubleSe(v);
                } else {
                    long v = grp == 2 ? (int) c.rd(la, 4) : (short) c.rd(la, 2);
                    m = Float80.intMant(v);
                    se = Float80.intSe(v);
                }
                arithOp(f, r, 0, m, se, false);
                return;
            }
            case 1:
                switch (r) {
                    case 0: { float v = Float.intBitsToFloat((int) c.rd(la, 4)); loadD(f, v, Float.isNaN(v) && (Float.floatToRawIntBits(v) & 0x40_0000) == 0); return; }
                    case 2: case 3: {
                        if (!under(f, 0) && !invalidStore(f)) {
                            int p = phys(f, 0);
                            fl[0] = 0;
                            float v = Float80.toFloat(f.mant[p], f.se[p], rc(f), fl);
                            c.wr(la, 4, Float.floatToRawIntBits(v));
                            f.fsw = (f.fsw & ~C1) | ((fl[0] & Float80.ROUNDED_UP) != 0 ? C1 : 0);
                            raise(f, storeFlags(fl[0], snan(f.mant[p], f.se[p])));
                        } else {
                            c.wr(la, 4, 0xFFC0_0000);
                        }
                        if (r == 3) {
                            pop(f);
                        }
                        return;
                    }
                    case 4: fldenv(c, la, in.size); return;
                    case 5: f.fcw = (int) c.rd(la, 2) & 0x1F7F | 0x40; updateEs(f); return;
                    case 6: fnstenv(c, la, in.size); return;
                    case 7: c.wr(la, 2, f.fcw); return;
                    default: c.unimplemented(); return;
                }
            case 3:
                switch (r) {
                    case 0: { long v = (int) c.rd(la, 4); push(f, Float80.intMant(v), Float80.intSe(v)); return; }
                    case 2: case 3: fist(c, la, 4, r == 3); return;
                    case 5: { long m = c.rd(la, 8); int se = (int) c.rd(la + 8, 2); push(f, m, se); return; }
                    case 7: {
                        if (!under(f, 0)) {
                            int p = phys(f, 0);
                            c.wr(la + 8, 2, f.se[p]);
                            c.wr(la, 8, f.mant[p]);
                        } else {
                            c.wr(la + 8, 2, IND_SE);
                            c.wr(la, 8, IND_M);
                        }
                        pop(f);
                        return;
                    }
                    default: c.unimplemented(); return; // FISTTP (SSE3)
                }
            case 5:
                switch (r) {
                    case 0: { double v = Double.longBitsToDouble(c.rd(la, 8)); loadD(f, v, snanD(c.rd(la, 8))); return; }
                    case 2: case 3: {
                        if (!under(f, 0) && !invalidStore(f)) {
                            int p = phys(f, 0);
                            fl[0] = 0;
                            double v = Float80.toDouble(f.mant[p], f.se[p], rc(f), fl);
                            c.wr(la, 8, Double.doubleToRawLongBits(v));
                            f.fsw = (f.fsw & ~C1) | ((fl[0] & Float80.ROUNDED_UP) != 0 ? C1 : 0);
                            raise(f, storeFlags(fl[0], snan(f.mant[p], f.se[p])));
                        } else {
                            c.wr(la, 8, 0xFFF8_0000_0000_0000L);
                        }
                        if (r == 3) {
                            pop(f);
                        }
                        return;
                    }
                    case 4: frstor(c, la, in.size); return;
                    case 6: fnsave(c, la, in.size); return;
                    case 7: c.wr(la, 2, f.statusWord()); return;
                    default: c.unimplemented(); return;
                }
            default: // 7
                switch (r) {
                    case 0: { long v = (short) c.rd(la, 2); push(f, Float80.intMant(v), Float80.intSe(v)); return; }
                    case 2: case 3: fist(c, la, 2, r == 3); return;
                    case 5: { long v = c.rd(la, 8); push(f, Float80.intMant(v), Float80.intSe(v)); return; }
                    case 7: fist(c, la, 8, true); return;
                    default: c.unimplemented(); return; // FBLD, FBSTP, FISTTP
                }
        }
    }

    private static boolean snanD(long b) {
        return (b & 0x7FF0_0000_0000_0000L) == 0x7FF0_0000_0000_0000L && (b & 0xF_FFFF_FFFF_FFFFL) != 0
                && (b & 0x8_0000_0000_0000L) == 0;
    }

    /** FLD m32/m64: exact; an SNaN is made quiet with IE, a denormal sets DE. */
    private static void loadD(Fpu f, double v, boolean signalling) {
        long m = Float80.fromDoubleMant(v);
        int se = Float80.fromDoubleSe(v);
        if (signalling) {
            raise(f, IE);
            m |= 1L << 62;
        } else if (v != 0 && Math.abs(v) < Double.MIN_NORMAL) {
            raise(f, DE);
        }
        push(f, m, se);
    }

    /** ST(0) holds an unsupported encoding: #IA, the indefinite is stored. */
    private static boolean invalidStore(Fpu f) {
        int p = phys(f, 0);
        if (unsupported(f.mant[p], f.se[p])) {
            f.fsw &= ~C1;
            raise(f, IE);
            return true;
        }
        return false;
    }

    private static int storeFlags(int rf, boolean snan) {
        int g = 0;
        if (snan) {
            g |= IE;
        }
        if ((rf & Float80.INEXACT) != 0) {
            g |= PE;
        }
        if ((rf & Float80.OVERFLOW) != 0) {
            g |= OE;
        }
        if ((rf & Float80.UNDERFLOW) != 0) {
            g |= UE;
        }
        return g;
    }

    private static void fist(Cpu c, long la, int bytes, boolean pop) {
        Fpu f = c.fpu;
        long v;
        if (under(f, 0) || invalidStore(f)) {
            v = 1L << (8 * bytes - 1);
        } else {
            int p = phys(f, 0);
            int[] fl = {0};
            v = Float80.toInt(f.mant[p], f.se[p], bytes, rc(f), fl);
            f.fsw = (f.fsw & ~C1) | (fl[0] != -1 && (fl[0] & Float80.ROUNDED_UP) != 0 ? C1 : 0);
            raise(f, fl[0] == -1 ? IE : (fl[0] & Float80.INEXACT) != 0 ? PE : 0);
        }
        c.wr(la, bytes, v);
        if (pop) {
            pop(f);
        }
    }

    /** The arithmetic group: r is the ModRM.reg operation, ST(dst) op= (m, se); com/comp set the condition codes. */
    private static void arithOp(Fpu f, int r, int dst, long m, int se, boolean popAfter) {
        if (r == 2 || r == 3) {
            com(f, m, se, false);
            if (r == 3) {
                pop(f);
            }
            return;
        }
        if (under(f, dst)) {
            set(f, dst, IND_M, IND_SE);
            if (popAfter) {
                pop(f);
            }
            return;
        }
        int p = phys(f, dst);
        f.fsw &= ~C1;
        long[] res = binary(f, r, f.mant[p], f.se[p], m, se);
        set(f, dst, res[0], (int) res[1]);
        if (popAfter) {
            pop(f);
        }
    }

    /** The SSE lane operation (0x58 add, 0x59 mul, 0x5C sub, 0x5E div, 0x51 sqrt) for each x87 operation r. */
    private static final int[] SSE_OP = {0x58, 0x59, 0, 0, 0x5C, 0x5C, 0x5E, 0x5E};

    /**
     * dst op src on 80-bit values: NaNs and unsupported encodings handled on the bits (the NaN with the larger
     * significand wins, made quiet), everything else by the binary64 lane operation with FCW.RC and its flags.
     */
    static long[] binary(Fpu f, int r, long m1, int se1, long m2, int se2) {
        if (unsupported(m1, se1) || unsupported(m2, se2)) {
            raise(f, IE);
            return new long[] {IND_M, IND_SE};
        }
        boolean n1 = nan(m1, se1), n2 = nan(m2, se2);
        if (n1 || n2) {
            if (snan(m1, se1) || snan(m2, se2)) {
                raise(f, IE);
            }
            boolean first = n1 && (!n2 || Long.compareUnsigned(m1 << 1, m2 << 1) >= 0);
            return first ? new long[] {m1 | 1L << 62, se1} : new long[] {m2 | 1L << 62, se2};
        }
        int[] fl = {0};
        long a = Double.doubleToRawLongBits(Float80.toDouble(m1, se1, Float80.RN, fl));
        long b = Double.doubleToRawLongBits(Float80.toDouble(m2, se2, Float80.RN, fl));
        if (r == 5 || r == 7) {
            long t = a;
            a = b;
            b = t;
        }
        fl[0] = 0;
        long v = SseFloat.opD(SSE_OP[r], a, b, rc(f), false, fl);
        raise(f, fl[0]);
        double d = Double.longBitsToDouble(v);
        return new long[] {Float80.fromDoubleMant(d), Float80.fromDoubleSe(d)};
    }

    static long[] sqrt(Fpu f, long m, int se) {
        if (unsupported(m, se)) {
            raise(f, IE);
            return new long[] {IND_M, IND_SE};
        }
        if (nan(m, se)) {
            if (snan(m, se)) {
                raise(f, IE);
            }
            return new long[] {m | 1L << 62, se};
        }
        int[] fl = {0};
        long b = Double.doubleToRawLongBits(Float80.toDouble(m, se, Float80.RN, fl));
        fl[0] = 0;
        double d = Double.longBitsToDouble(SseFloat.opD(0x51, 0, b, rc(f), false, fl));
        raise(f, fl[0]);
        return new long[] {Float80.fromDoubleMant(d), Float80.fromDoubleSe(d)};
    }

    /** Encodings the 387 and later reject (#IA): a nonzero exponent with the integer bit clear (unnormals, pseudo-NaN/infinity). */
    static boolean unsupported(long m, int se) {
        return (se & 0x7FFF) != 0 && m >= 0;
    }

    // ------------------------------------------------------------------------------------------ register forms

    private static void reg(Cpu c, int grp, int modrm) {
        Fpu f = c.fpu;
        int i = modrm & 7, r = (modrm >> 3) & 7;
        switch (grp) {
            case 0: { // D8: ST(0) op= ST(i)
                if (under(f, i)) {
                    if (r != 2 && r != 3) {
                        set(f, 0, IND_M, IND_SE);
                    } else {
                        f.fsw |= C0 | C2 | C3;
                        if (r == 3) {
                            pop(f);
                        }
                    }
                    return;
                }
                int q = phys(f, i);
                arithOp(f, r, 0, f.mant[q], f.se[q], false);
                return;
            }
            case 4: case 6: { // DC/DE: ST(i) op= ST(0), reversed sub/div encodings; DE pops
                if (grp == 6 && modrm == 0xD9) { // FCOMPP
                    if (!under(f, 1)) {
                        int q = phys(f, 1);
                        com(f, f.mant[q], f.se[q], false);
                    } else {
                        f.fsw |= C0 | C2 | C3;
                    }
                    pop(f);
                    pop(f);
                    return;
                }
                if (r == 2 || r == 3) { // DC D0+i FCOM2/FCOMP3 aliases
                    int q = phys(f, i);
                    com(f, f.mant[q], f.se[q], false);
                    if (r == 3 || grp == 6) {
                        pop(f);
                    }
                    return;
                }
                int op = r < 4 ? r : r ^ 1;
                if (under(f, 0)) {
                    set(f, i, IND_M, IND_SE);
                    if (grp == 6) {
                        pop(f);
                    }
                    return;
                }
                int p0 = phys(f, 0);
                arithOp(f, op, i, f.mant[p0], f.se[p0], grp == 6);
                return;
            }
            case 1: d9reg(c, f, modrm, i); return;
            case 2:
                if (modrm == 0xE9) { // FUCOMPP
                    if (!under(f, 1)) {
                        int q = phys(f, 1);
                        com(f, f.mant[q], f.se[q], true);
                    }
                    pop(f);
                    pop(f);
                    return;
                }
                if (modrm < 0xE0) { // FCMOVB, FCMOVE, FCMOVBE, FCMOVU
                    int cc = new int[] {2, 4, 6, 10}[r];
                    if (Flags.cond(c, cc)) {
                        fmov(f, i);
                    }
                    return;
                }
                c.unimplemented();
                return;
            case 3:
                if (modrm < 0xE0) { // FCMOVNB, FCMOVNE, FCMOVNBE, FCMOVNU
                    int cc = new int[] {3, 5, 7, 11}[r];
                    if (Flags.cond(c, cc)) {
                        fmov(f, i);
                    }
                    return;
                }
                switch (modrm) {
                    case 0xE2: f.fsw &= ~(0xFF | B); return; // FNCLEX
                    case 0xE3: f.fninit(); return;
                    case 0xE0: case 0xE1: case 0xE4: return; // FENI, FDISI, FSETPM: no-ops on 387+
                    default: break;
                }
                if (r == 5 || r == 6) {
                    comi(c, i, r == 5);
                    return;
                }
                c.unimplemented();
                return;
            case 5:
                switch (r) {
                    case 0: f.tag[phys(f, i)] = Fpu.TAG_EMPTY; return; // FFREE
                    case 2: case 3: // FST/FSTP ST(i)
                        if (under(f, 0)) {
                            set(f, i, IND_M, IND_SE);
                        } else {
                            int p = phys(f, 0);
                            set(f, i, f.mant[p], f.se[p]);
                        }
                        if (r == 3) {
                            pop(f);
                        }
                        return;
                    case 4: case 5: { // FUCOM/FUCOMP
                        if (under(f, i)) {
                            f.fsw |= C0 | C2 | C3;
                        } else {
                            int q = phys(f, i);
                            com(f, f.mant[q], f.se[q], true);
                        }
                        if (r == 5) {
                            pop(f);
                        }
                        return;
                    }
                    case 1: fxch(f, i); return;
                    default: c.unimplemented(); return;
                }
            default: // 7
                if (modrm == 0xE0) {
                    c.setReg(0, 2, f.statusWord()); // FNSTSW AX
                    return;
                }
                if (r == 5 || r == 6) { // FUCOMIP, FCOMIP
                    comi(c, i, r == 5);
                    pop(f);
                    return;
                }
                if (r == 0) { // FFREEP
                    f.tag[phys(f, i)] = Fpu.TAG_EMPTY;
                    pop(f);
                    return;
                }
                if (r == 2 || r == 3) { // FSTP1 aliases
                    int p = phys(f, 0);
                    set(f, i, f.mant[p], f.se[p]);
                    pop(f);
                    return;
                }
                c.unimplemented();
                return;
        }
    }

    private static void fmov(Fpu f, int i) {
        if (under(f, i)) {
            set(f, 0, IND_M, IND_SE);
            return;
        }
        int q = phys(f, i);
        set(f, 0, f.mant[q], f.se[q]);
    }

    private static void fxch(Fpu f, int i) {
        int p = phys(f, 0), q = phys(f, i);
        if (f.tag[p] == Fpu.TAG_EMPTY || f.tag[q] == Fpu.TAG_EMPTY) {
            raise(f, IE | SF);
            f.fsw &= ~C1;
            if (f.tag[p] == Fpu.TAG_EMPTY) {
                set(f, 0, IND_M, IND_SE);
            }
            if (f.tag[q] == Fpu.TAG_EMPTY) {
                set(f, i, IND_M, IND_SE);
            }
        }
        long m = f.mant[p];
        int se = f.se[p], t = f.tag[p];
        f.mant[p] = f.mant[q];
        f.se[p] = f.se[q];
        f.tag[p] = f.tag[q];
        f.mant[q] = m;
        f.se[q] = se;
        f.tag[q] = t;
        f.fsw &= ~C1;
    }

    private static final long[] CONST_M = {0x8000_0000_0000_0000L, 0xD49A_784B_CD1B_8AFEL, 0xB8AA_3B29_5C17_F0BCL,
            0xC90F_DAA2_2168_C235L, 0x9A20_9A84_FBCF_F799L, 0xB172_17F7_D1CF_79ACL, 0};
    /** The round-to-nearest constant is above the true value (pi, log2(e), log10(2), ln(2)); log2(10)'s is below. */
    private static final boolean[] CONST_UP = {false, false, true, true, true, true, false};
    private static final int[] CONST_SE = {0x3FFF, 0x4000, 0x3FFF, 0x4000, 0x3FFD, 0x3FFE, 0};

    private static void d9reg(Cpu c, Fpu f, int modrm, int i) {
        if (modrm < 0xC8) { // FLD ST(i)
            if (under(f, i)) {
                push(f, IND_M, IND_SE);
                return;
            }
            int q = phys(f, i);
            push(f, f.mant[q], f.se[q]);
            return;
        }
        if (modrm < 0xD0) {
            fxch(f, i);
            return;
        }
        if (modrm >= 0xE8 && modrm <= 0xEE) { // FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ, rounded per FCW.RC
            int k = modrm - 0xE8;
            long m = CONST_M[k];
            int rc = rc(f);
            if (CONST_UP[k] && (rc == Float80.RD || rc == Float80.RZ)) {
                m--;
            } else if (k == 1 && rc == Float80.RU) {
                m++; // log2(10) was rounded down to nearest
            }
            push(f, m, CONST_SE[k]);
            return;
        }
        switch (modrm) {
            case 0xD0: return; // FNOP
            case 0xF6: f.top = (f.top - 1) & 7; f.fsw &= ~C1; return; // FDECSTP
            case 0xF7: f.top = (f.top + 1) & 7; f.fsw &= ~C1; return; // FINCSTP
            default: break;
        }
        if (under(f, 0)) {
            if (modrm == 0xE5) { // FXAM of an empty register: C3 C2 C0 = 101
                int p = phys(f, 0);
                f.fsw = (f.fsw & ~(C0 | C1 | C2 | C3)) | C3 | C0 | ((f.se[p] & 0x8000) != 0 ? C1 : 0);
                f.fsw &= ~(IE | SF); // FXAM raises nothing
                f.fsw &= ~(ES | B);
                updateEs(f);
                return;
            }
            f.fsw |= C0 | C2 | C3;
            return;
        }
        int p = phys(f, 0);
        switch (modrm) {
            case 0xE0: f.se[p] ^= 0x8000; f.fsw &= ~C1; return; // FCHS
            case 0xE1: f.se[p] &= 0x7FFF; f.fsw &= ~C1; return; // FABS
            case 0xE4: com(f, 0, 0, false); return; // FTST
            case 0xE5: fxam(f, p); return;
            default: break;
        }
        double x = st(f, 0);
        switch (modrm) {
            case 0xFA: { // FSQRT
                long[] res = sqrt(f, f.mant[p], f.se[p]);
                set(f, 0, res[0], (int) res[1]);
                return;
            }
            case 0xFC: setD(f, 0, roundInt(x, rc(f))); return; // FRNDINT
            case 0xFD: { // FSCALE
                if (under(f, 1)) {
                    return;
                }
                double s = st(f, 1);
                if (Double.isNaN(s) || Double.isNaN(x)) {
                    setD(f, 0, Double.isNaN(x) ? x : s);
                    return;
                }
                setD(f, 0, Math.scalb(x, (int) Math.max(-100000, Math.min(100000, s < 0 ? Math.ceil(s) : Math.floor(s)))));
                return;
            }
            case 0xF8: case 0xF5: { // FPREM, FPREM1 (complete in one step: C2 = 0)
                if (under(f, 1)) {
                    return;
                }
                double y = st(f, 1);
                if (Double.isNaN(x) || Double.isNaN(y)) {
                    setD(f, 0, Double.isNaN(x) ? x : y);
                    return;
                }
                if (y == 0 || Double.isInfinite(x)) {
                    raise(f, IE);
                    set(f, 0, IND_M, IND_SE);
                    return;
                }
                double rem = modrm == 0xF8 ? x % y : Math.IEEEremainder(x, y);
                double q = Math.rint((x - rem) / y); // exact for the small quotients a complete step has
                long qi = (long) Math.abs(q);
                f.fsw = (f.fsw & ~(C0 | C1 | C2 | C3)) | ((qi & 1) != 0 ? C1 : 0) | ((qi & 2) != 0 ? C3 : 0) | ((qi & 4) != 0 ? C0 : 0);
                setD(f, 0, rem);
                return;
            }
            case 0xF0: setD(f, 0, Math.pow(2, x) - 1); return; // F2XM1
            case 0xF1: if (!under(f, 1)) { setD(f, 1, st(f, 1) * (Math.log(x) / Math.log(2))); pop(f); } return; // FYL2X
            case 0xF9: if (!under(f, 1)) { setD(f, 1, st(f, 1) * (Math.log1p(x) / Math.log(2))); pop(f); } return; // FYL2XP1
            case 0xF2: setD(f, 0, Math.tan(x)); f.fsw &= ~C2; pushD(f, 1.0); return; // FPTAN
            case 0xF3: if (!under(f, 1)) { setD(f, 1, Math.atan2(st(f, 1), x)); pop(f); } return; // FPATAN
            case 0xFE: setD(f, 0, Math.sin(x)); f.fsw &= ~C2; return; // FSIN
            case 0xFF: setD(f, 0, Math.cos(x)); f.fsw &= ~C2; return; // FCOS
            case 0xFB: setD(f, 0, Math.sin(x)); f.fsw &= ~C2; pushD(f, Math.cos(x)); return; // FSINCOS
            case 0xF4: { // FXTRACT: exponent, then significand
                int e = f.se[p] & 0x7FFF;
                long m = f.mant[p];
                if (m == 0) {
                    raise(f, ZE);
                    set(f, 0, 0, 0xFFFF & 0xFFFF_0000 | 0xFFFF);
                    setD(f, 0, Double.NEGATIVE_INFINITY);
                    push(f, 0, f.se[p] & 0x8000);
                    return;
                }
                int lz = Long.numberOfLeadingZeros(m);
                int exp = (e == 0 ? 1 : e) - 16383 - lz;
                int sign = f.se[p] & 0x8000;
                setD(f, 0, exp);
                push(f, m << lz, sign | 0x3FFF);
                return;
            }
            default: c.unimplemented(); return;
        }
    }

    private static double truncate(double v) {
        return v < 0 ? Math.ceil(v) : Math.floor(v);
    }

    private static double roundInt(double x, int rc) {
        switch (rc) {
            case Float80.RN: return Math.rint(x);
            case Float80.RD: return Math.floor(x);
            case Float80.RU: return Math.ceil(x);
            default: return truncate(x);
        }
    }

    /** FXAM: C1 = sign; C3 C2 C0: 001 NaN, 010 normal, 011 infinity, 100 zero, 110 denormal, 000 unsupported. */
    private static void fxam(Fpu f, int p) {
        long m = f.mant[p];
        int se = f.se[p], e = se & 0x7FFF;
        int cc;
        if (e == 0x7FFF) {
            cc = m >= 0 ? 0 : (m << 1) == 0 ? C2 | C0 : C0;
        } else if (e == 0) {
            cc = m == 0 ? C3 : C3 | C2;
        } else {
            cc = m < 0 ? C2 : 0;
        }
        f.fsw = (f.fsw & ~(C0 | C1 | C2 | C3)) | cc | ((se & 0x8000) != 0 ? C1 : 0);
    }

    static void updateEs(Fpu f) {
        if ((f.fsw & ~f.fcw & 0x3F) != 0) {
            f.fsw |= ES | B;
        } else {
            f.fsw &= ~(ES | B);
        }
    }

    // ------------------------------------------------------------------------------------------ environment

    /**
     * FNSTENV/FLDENV image, protected mode: 32-bit operand size = 28 bytes (FCW, FSW, FTW, FIP, FCS | FOP << 16,
     * FDP, FDS, each in a dword); 16-bit = 14 bytes (words; FIP, FCS, FDP, FDS). Real mode uses the same images here.
     */
    static void fnstenv(Cpu c, long la, int size) {
        Fpu f = c.fpu;
        storeEnv(c, la, size);
        f.fcw |= 0x3F; // all exceptions masked afterwards
    }

    private static void storeEnv(Cpu c, long la, int size) {
        Fpu f = c.fpu;
        if (size == 2) {
            c.translate(la + 13, Cpu.WRITE, c.tlbUser != 0);
            c.wr(la, 2, f.fcw);
            c.wr(la + 2, 2, f.statusWord());
            c.wr(la + 4, 2, f.tagWord());
            c.wr(la + 6, 2, f.fip);
            c.wr(la + 8, 2, f.fcs);
            c.wr(la + 10, 2, f.fdp);
            c.wr(la + 12, 2, f.fds);
            return;
        }
        c.translate(la + 27, Cpu.WRITE, c.tlbUser != 0);
        c.wr(la, 4, 0xFFFF_0000L | f.fcw);
        c.wr(la + 4, 4, 0xFFFF_0000L | f.statusWord());
        c.wr(la + 8, 4, 0xFFFF_0000L | f.tagWord());
        c.wr(la + 12, 4, f.fip);
        c.wr(la + 16, 4, f.fcs | ((long) f.fop << 16));
        c.wr(la + 20, 4, f.fdp);
        c.wr(la + 24, 4, 0xFFFF_0000L | f.fds);
    }

    static void fldenv(Cpu c, long la, int size) {
        loadEnv(c, la, size);
    }

    private static int loadEnv(Cpu c, long la, int size) {
        Fpu f = c.fpu;
        if (size == 2) {
            f.fcw = (int) c.rd(la, 2) & 0x1F7F | 0x40;
            f.setStatusWord((int) c.rd(la + 2, 2));
            f.setTagWord((int) c.rd(la + 4, 2));
            f.fip = c.rd(la + 6, 2);
            f.fcs = (int) c.rd(la + 8, 2);
            f.fdp = c.rd(la + 10, 2);
            f.fds = (int) c.rd(la + 12, 2);
            retag(f);
            return 14;
        }
        f.fcw = (int) c.rd(la, 2) & 0x1F7F | 0x40;
        f.setStatusWord((int) c.rd(la + 4, 2));
        f.setTagWord((int) c.rd(la + 8, 2));
        f.fip = c.rd(la + 12, 4);
        long w = c.rd(la + 16, 4);
        f.fcs = (int) w & 0xFFFF;
        f.fop = (int) (w >>> 16) & 0x7FF;
        f.fdp = c.rd(la + 20, 4);
        f.fds = (int) c.rd(la + 24, 2);
        retag(f);
        return 28;
    }

    /** A loaded tag word only says empty or not for a register; the kind comes from its contents, as on a CPU. */
    private static void retag(Fpu f) {
        for (int i = 0; i < 8; i++) {
            if (f.tag[i] != Fpu.TAG_EMPTY) {
                f.tag[i] = Fpu.classify(f.mant[i], f.se[i]);
            }
        }
        updateEs(f);
    }

    static void fnsave(Cpu c, long la, int size) {
        Fpu f = c.fpu;
        int n = size == 2 ? 14 : 28;
        c.translate(la + n + 79, Cpu.WRITE, c.tlbUser != 0);
        storeEnv(c, la, size);
        for (int i = 0; i < 8; i++) {
            int p = phys(f, i);
            c.wr(la + n + 10 * i, 8, f.mant[p]);
            c.wr(la + n + 10 * i + 8, 2, f.se[p]);
        }
        f.fninit();
    }

    static void frstor(Cpu c, long la, int size) {
        Fpu f = c.fpu;
        int n = size == 2 ? 14 : 28;
        long[] m = new long[8];
        int[] se = new int[8];
        int top = (int) (c.rd(la + (size == 2 ? 2 : 4), 2) >> 11) & 7;
        for (int i = 0; i < 8; i++) {
            m[i] = c.rd(la + n + 10 * i, 8);
            se[i] = (int) c.rd(la + n + 10 * i + 8, 2);
        }
        for (int i = 0; i < 8; i++) {
            f.mant[(top + i) & 7] = m[i];
            f.se[(top + i) & 7] = se[i];
        }
        loadEnv(c, la, size);
    }
}
