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
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if (hi == 0 && lo >= 0) {
            long q = lo / c;
            return ceil && q * c != lo ? q + 1 : q;
        }
        // Rare (timer arming with huge counts): exact arithmetic.
        BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divideAndRemainder(BigInteger.valueOf(c));
        BigInteger q = ceil && qr[1].signum() != 0 ? qr[0].add(BigInteger.ONE) : qr[0];
        return q.bitLength() < 64 ? q.longValue() : Long.MAX_VALUE;
    }
}
