package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The timer's tick/nanosecond conversions against exact arithmetic, over the ranges a long uptime reaches. */
class MulDivTest {

    @Test
    void matchesBigIntegerArithmetic() {
        Random r = new Random(42);
        long[] rates = {1_000_000_000L, 300_000_000L, 2_000_000_000L, 3_579_545L, 2_899_999_717L, 1L};
        for (int i = 0; i < 20_000; i++) {
            long a = i % 2 == 0 ? r.nextLong() >>> 1 : r.nextLong() >>> (1 + r.nextInt(62));
            long b = rates[r.nextInt(rates.length)];
            long c = rates[r.nextInt(rates.length)];
            BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
                    .divideAndRemainder(BigInteger.valueOf(c));
            long floor = qr[0].bitLength() < 64 ? qr[0].longValue() : Long.MAX_VALUE;
            BigInteger up = qr[1].signum() != 0 ? qr[0].add(BigInteger.ONE) : qr[0];
            long ceil = up.bitLength() < 64 ? up.longValue() : Long.MAX_VALUE;
            assertEquals(floor, MulDiv.floor(a, b, c), a + " * " + b + " / " + c);
            assertEquals(ceil, MulDiv.ceil(a, b, c), "ceil " + a + " * " + b + " / " + c);
        }
    }
}
