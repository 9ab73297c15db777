package dev.celadon.emulator.cpu.difftest;

/**
 * A memory operand as ModRM/SIB encode it: base and index register numbers (0-15, {@link #NONE}, or
 * {@link #RIP} for the base), scale 1/2/4/8, a displacement of {@code dispSize} bytes (0, 1 or 4), and the
 * 32-bit address size (prefix 67). For a RIP-relative operand {@code disp} holds the target address; the
 * displacement is computed when the instruction's length is known.
 */
public record Mem(int base, int index, int scale, long disp, int dispSize, boolean addr32) {
    public static final int NONE = -1;
    public static final int RIP = 16;

    public Mem {
        if (index == 4) throw new IllegalArgumentException("RSP cannot be an index");
        if (scale != 1 && scale != 2 && scale != 4 && scale != 8) throw new IllegalArgumentException("scale " + scale);
        if (base == RIP && index != NONE) throw new IllegalArgumentException("RIP-relative takes no index");
        if (dispSize != 0 && dispSize != 1 && dispSize != 4) throw new IllegalArgumentException("disp size " + dispSize);
        if (base == NONE || base == RIP) dispSize = 4;
        else if (dispSize == 0 && (base & 7) == 5) dispSize = 1; // [rbp]/[r13] exist only with a displacement
        if (base != RIP && dispSize == 1 && disp != (byte) disp || base != RIP && dispSize == 4 && disp != (int) disp)
            throw new IllegalArgumentException("disp " + disp + " does not fit " + dispSize + " bytes");
    }

    public boolean usesExtended() {
        return base >= 8 && base < 16 || index >= 8;
    }

    public boolean uses(int reg) {
        return base == reg || index == reg;
    }
}
