package dev.celadon.emulator.cpu;

/**
 * Lazy arithmetic flags: an instruction records its operation, size, operands and result; CF PF AF ZF SF OF
 * are computed only when something reads them. dst, src and res are kept masked to the operand size.
 */
final class Flags {
    private Flags() {
    }

    static final int CF = 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9, DF = 1 << 10,
            OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16, VM = 1 << 17, AC = 1 << 18, VIF = 1 << 19,
            VIP = 1 << 20, ID = 1 << 21;
    static final int ARITH = CF | PF | AF | ZF | SF | OF;
    /** The flags a guest can change (others read as 0, bit 1 as 1). */
    static final int WRITABLE = ARITH | TF | IF | DF | IOPL | NT | RF | AC | ID;

    /** Operations: how to derive the flags from the recorded values. */
    static final int ADD = 0, ADC = 1, SUB = 2, SBB = 3, LOGIC = 4, INC = 5, DEC = 6,
    /** CF, OF and AF are in aux (at their flag positions); ZF SF PF from res. */
    CO = 7,
    /** All six flags are in aux. */
    EXPLICIT = 8;

    static final long[] MASK = new long[9];
    static final long[] SIGN = new long[9];

    static {
        for (int s = 1; s <= 8; s <<= 1) {
            MASK[s] = s == 8 ? -1L : (1L << (s * 8)) - 1;
            SIGN[s] = 1L << (s * 8 - 1);
        }
    }

    static boolean cf(Cpu c) {
        switch (c.lfOp) {
            case ADD: return Long.compareUnsigned(c.lfRes, c.lfDst) < 0;
            case ADC: return Long.compareUnsigned(c.lfRes, c.lfDst) < 0 || (c.lfAux != 0 && c.lfRes == c.lfDst);
            case SUB: return Long.compareUnsigned(c.lfDst, c.lfSrc) < 0;
            case SBB: return Long.compareUnsigned(c.lfDst, c.lfSrc) < 0 || (c.lfAux != 0 && c.lfDst == c.lfSrc);
            case LOGIC: return false;
            case INC: case DEC: return c.lfAux != 0;
            default: return (c.lfAux & CF) != 0;
        }
    }

    static boolean zf(Cpu c) {
        return c.lfOp == EXPLICIT ? (c.lfAux & ZF) != 0 : c.lfRes == 0;
    }

    static boolean sf(Cpu c) {
        return c.lfOp == EXPLICIT ? (c.lfAux & SF) != 0 : (c.lfRes & SIGN[c.lfSize]) != 0;
    }

    static boolean pf(Cpu c) {
        return c.lfOp == EXPLICIT ? (c.lfAux & PF) != 0 : (Long.bitCount(c.lfRes & 0xFF) & 1) == 0;
    }

    static boolean of(Cpu c) {
        long s = SIGN[c.lfSize];
        switch (c.lfOp) {
            case ADD: case ADC: case INC: return ((c.lfDst ^ c.lfRes) & (c.lfSrc ^ c.lfRes) & s) != 0;
            case SUB: case SBB: case DEC: return ((c.lfDst ^ c.lfSrc) & (c.lfDst ^ c.lfRes) & s) != 0;
            case LOGIC: return false;
            default: return (c.lfAux & OF) != 0;
        }
    }

    static boolean af(Cpu c) {
        switch (c.lfOp) {
            case LOGIC: return false;
            case CO: case EXPLICIT: return (c.lfAux & AF) != 0;
            default: return ((c.lfDst ^ c.lfSrc ^ c.lfRes) & 0x10) != 0;
        }
    }

    /** The six arithmetic flags as RFLAGS bits. */
    static int arith(Cpu c) {
        if (c.lfOp == EXPLICIT) {
            return (int) c.lfAux & ARITH;
        }
        int f = 0;
        if (cf(c)) f |= CF;
        if (pf(c)) f |= PF;
        if (af(c)) f |= AF;
        if (zf(c)) f |= ZF;
        if (sf(c)) f |= SF;
        if (of(c)) f |= OF;
        return f;
    }

    /** Condition codes 0..15 in Jcc/SETcc/CMOVcc order. */
    static boolean cond(Cpu c, int cc) {
        boolean r;
        if (c.lfOp == SUB) {
            r = condSub(c, cc >> 1);
        } else {
            switch (cc >> 1) {
                case 0: r = of(c); break;
                case 1: r = cf(c); break;
                case 2: r = zf(c); break;
                case 3: r = cf(c) || zf(c); break;
                case 4: r = sf(c); break;
                case 5: r = pf(c); break;
                case 6: r = sf(c) != of(c); break;
                default: r = zf(c) || sf(c) != of(c); break;
            }
        }
        return r ^ ((cc & 1) != 0);
    }

    /** After CMP/SUB the conditions are plain comparisons of the operands. */
    private static boolean condSub(Cpu c, int pair) {
        switch (pair) {
            case 1: return Long.compareUnsigned(c.lfDst, c.lfSrc) < 0;
            case 2: return c.lfDst == c.lfSrc;
            case 3: return Long.compareUnsigned(c.lfDst, c.lfSrc) <= 0;
            case 6: return sx(c.lfDst, c.lfSize) < sx(c.lfSrc, c.lfSize);
            case 7: return sx(c.lfDst, c.lfSize) <= sx(c.lfSrc, c.lfSize);
            case 0: return of(c);
            case 4: return sf(c);
            default: return pf(c);
        }
    }

    static long sx(long v, int size) {
        switch (size) {
            case 1: return (byte) v;
            case 2: return (short) v;
            case 4: return (int) v;
            default: return v;
        }
    }

    /** Sets all six flags explicitly (POPF, SAHF, rotates, BT...). */
    static void set(Cpu c, int flags) {
        c.lfOp = EXPLICIT;
        c.lfAux = flags & ARITH;
    }

    /** Records a result whose CF/OF (and AF) the instruction computed itself; ZF SF PF come from res. */
    static void co(Cpu c, long res, int size, boolean cf, boolean of) {
        c.lfOp = CO;
        c.lfSize = size;
        c.lfRes = res & MASK[size];
        c.lfAux = (cf ? CF : 0) | (of ? OF : 0);
    }

    static void logic(Cpu c, long res, int size) {
        c.lfOp = LOGIC;
        c.lfSize = size;
        c.lfRes = res;
    }

    static void arith(Cpu c, int op, long dst, long src, long res, int size) {
        c.lfOp = op;
        c.lfSize = size;
        c.lfDst = dst;
        c.lfSrc = src;
        c.lfRes = res;
    }
}
