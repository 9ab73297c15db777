package dev.celadon.hypervisor.api.enlightenment;

import java.math.BigInteger;

/**
 * How a TSC value becomes partition reference time (TLFS "Partition Reference TSC Mechanism"): reference time =
 * ((tsc * scale) >> 64) + offset, unsigned 64-bit scale, signed offset, in 100 ns units.
 */
public record ReferenceTsc(long scale, long offset) {

    /** 10^7: reference time counts 100 ns ticks. */
    public static final long REFERENCE_HZ = 10_000_000L;

    /** The scale for a TSC of {@code tscHz} (at least 10 MHz, so the scale fits 64 bits), offset 0. */
    public static ReferenceTsc forFrequency(long tscHz) {
        if (tscHz < REFERENCE_HZ) {
            throw new IllegalArgumentException("TSC frequency " + tscHz + " Hz is below 10 MHz");
        }
        long scale = BigInteger.valueOf(REFERENCE_HZ).shiftLeft(64).divide(BigInteger.valueOf(tscHz)).longValue();
        return new ReferenceTsc(scale, 0);
    }

    /** Reference time at {@code tsc} (both unsigned). */
    public long referenceTime(long tsc) {
        // The high half of the unsigned 128-bit product (Math.unsignedMultiplyHigh is Java 18).
        long high = Math.multiplyHigh(tsc, scale) + ((tsc >> 63) & scale) + ((scale >> 63) & tsc);
        return high + offset;
    }
}
