package dev.celadon.emulator.cpu.difftest;

import java.util.random.RandomGenerator;

/** Operand values biased to where arithmetic goes wrong: 0, 1, -1, the sign boundaries, single bits. */
public final class Values {
    private Values() {
    }

    /** A value for a {@code bits}-bit operand, in the low bits of a 64-bit word whose upper bits are random. */
    public static long operand(RandomGenerator r, int bits) {
        long v = edge(r, bits);
        if (bits == 64) return v;
        long mask = (1L << bits) - 1;
        return (r.nextLong() & ~mask) | (v & mask);
    }

    /** A {@code bits}-bit value (sign-extended to 64 bits when narrower). */
    public static long edge(RandomGenerator r, int bits) {
        long sign = 1L << (bits - 1);
        long v = switch (r.nextInt(16)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> -1;
            case 3 -> sign;          // most negative
            case 4 -> sign - 1;      // most positive
            case 5 -> sign + 1;
            case 6 -> 1L << r.nextInt(bits);
            case 7 -> ~(1L << r.nextInt(bits));
            case 8 -> r.nextInt(256) - 128;
            case 9 -> r.nextInt(16);
            case 10 -> (1L << r.nextInt(bits)) - 1;
            case 11 -> sign - r.nextInt(4) + 2;
            default -> r.nextLong();
        };
        return bits == 64 ? v : (v << (64 - bits)) >> (64 - bits);
    }

    /** A count for shifts and rotates: 0, 1, size-1, size, more, up to the masking edges. */
    public static int count(RandomGenerator r, int bits) {
        return switch (r.nextInt(10)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> bits - 1;
            case 3 -> bits;
            case 4 -> bits + 1;
            case 5 -> 31 + r.nextInt(3); // 31, 32, 33: the 5-bit mask
            case 6 -> 63 + r.nextInt(3); // the 6-bit mask
            case 7 -> r.nextInt(256);
            default -> r.nextInt(bits + 2);
        };
    }

    public static long mask(int bits) {
        return bits == 64 ? -1L : (1L << bits) - 1;
    }
}
