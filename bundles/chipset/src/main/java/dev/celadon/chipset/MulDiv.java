package dev.celadon.chipset;

import java.math.BigInteger;

/** a * b / c for non-negative longs without intermediate overflow, saturating at Long.MAX_VALUE. */
final class MulDiv {
    private MulDiv() {
    }

    static long floor(long a, long b, long c) {
        return muldiv(a, b, c, false);
    }

    static long ceil(long a, long b, long c) {
        return muldiv(a, b, c, true);
    }

    private static long muldiv(long a, long b, long c, boolean ceil) {
        if (a < 0 || b < 0 || c <= 0) {
            throw new IllegalArgumentException("muldiv(" + a + ", " + b + ", " + c + ")");
        }
        // a * b / c = (a / c) * b + (a % c) * b / c, exactly; the second product stays small when b * c < 2^63
        // (nanoseconds against clock rates up to 9 GHz), so the common case needs no BigInteger.
        long q = a / c;
        long r = a % c;
        if (Math.multiplyHigh(r, b) == 0 && r * b >= 0 && Math.multiplyHigh(q, b) == 0 && q * b >= 0) {
            long rb = r * b;
            long result = q * b + rb / c;
            if (ceil && rb % c != 0) {
                result++;
            }
            if (result >= 0) {
                return result;
            }
            return Long.MAX_VALUE;
        }
        // Rare (timer arming with huge counts): exact arithmetic.
        BigInteger[] exact = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divideAndRemainder(BigInteger.valueOf(c));
        BigInteger big = ceil && exact[1].signum() != 0 ? exact[0].add(BigInteger.ONE) : exact[0];
        return big.bitLength() < 64 ? big.longValue() : Long.MAX_VALUE;
    }
}
