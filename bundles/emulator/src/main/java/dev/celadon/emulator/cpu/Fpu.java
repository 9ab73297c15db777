package dev.celadon.emulator.cpu;

/**
 * The x87 and SSE state of one processor: what FXSAVE writes. x87 registers are kept as exact 80-bit values
 * (64-bit significand {@link #mant} with explicit integer bit, sign and 15-bit exponent in {@link #se}) indexed
 * by physical register number; ST(i) is physical register (TOP + i) & 7. XMM registers are two longs each.
 */
final class Fpu {
    /** Control word, status word (TOP kept apart in {@link #top}), the full two-bit tag per physical register. */
    int fcw = 0x37F, fsw, top;
    /** Tag per physical register: 0 valid, 1 zero, 2 special, 3 empty (the FSTENV encoding). */
    final int[] tag = new int[8];
    final long[] mant = new long[8];
    final int[] se = new int[8];
    /** Last x87 instruction pointer and operand pointer (linear offsets), selectors, and opcode (11 bits). */
    long fip, fdp;
    int fcs, fds, fop;

    /** XMM0-15: low quadword at [2n], high at [2n + 1]. */
    final long[] xmm = new long[32];
    int mxcsr = 0x1F80;
    /** Scratch: a 128-bit source operand, and the exception flags an SSE instruction raised. */
    final long[] tmp = new long[2];
    final int[] flags = new int[1];

    /** The MXCSR bits this CPU implements (no DAZ: bit 6 stays reserved, #GP when set). */
    static final int MXCSR_MASK = 0xFFBF;

    static final int TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3;

    Fpu() {
        reset();
    }

    /** Power-on / INIT: FNINIT's x87 state, MXCSR 0x1F80, XMM cleared. */
    void reset() {
        fninit();
        java.util.Arrays.fill(mant, 0);
        java.util.Arrays.fill(se, 0);
        java.util.Arrays.fill(xmm, 0);
        mxcsr = 0x1F80;
    }

    /** FNINIT: control word 037F, status 0, all registers empty, pointers cleared; registers keep their bits. */
    void fninit() {
        fcw = 0x37F;
        fsw = 0;
        top = 0;
        java.util.Arrays.fill(tag, TAG_EMPTY);
        fip = fdp = 0;
        fcs = fds = fop = 0;
    }

    int statusWord() {
        return (fsw & ~0x3800) | (top << 11);
    }

    void setStatusWord(int v) {
        fsw = v & ~0x3800;
        top = (v >> 11) & 7;
    }

    /** The full tag word of FSTENV/FSTSW order (physical register 0 in bits 1:0). */
    int tagWord() {
        int t = 0;
        for (int i = 0; i < 8; i++) {
            t |= tag[i] << (2 * i);
        }
        return t;
    }

    void setTagWord(int t) {
        for (int i = 0; i < 8; i++) {
            tag[i] = (t >> (2 * i)) & 3;
        }
    }

    /** FXSAVE's abridged tag: one bit per physical register, 1 = not empty. */
    int abridgedTag() {
        int t = 0;
        for (int i = 0; i < 8; i++) {
            if (tag[i] != TAG_EMPTY) {
                t |= 1 << i;
            }
        }
        return t;
    }

    /** FXRSTOR: empty or not from the abridged tag, the kind of a non-empty register from its contents. */
    void setAbridgedTag(int t) {
        for (int i = 0; i < 8; i++) {
            tag[i] = (t & (1 << i)) == 0 ? TAG_EMPTY : classify(mant[i], se[i]);
        }
    }

    /** The tag of an 80-bit value: zero, valid (normal, integer bit set) or special (NaN, infinity, denormal, unnormal). */
    static int classify(long m, int signExp) {
        int e = signExp & 0x7FFF;
        if (e == 0) {
            return m == 0 ? TAG_ZERO : TAG_SPECIAL;
        }
        if (e == 0x7FFF || m >= 0) {
            return TAG_SPECIAL; // NaN/infinity, or an unnormal (integer bit clear)
        }
        return TAG_VALID;
    }
}
