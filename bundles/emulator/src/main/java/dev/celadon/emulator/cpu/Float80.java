package dev.celadon.emulator.cpu;

/**
 * Conversions between the x87 80-bit extended format (sign, 15-bit exponent biased by 16383, 64-bit significand
 * with an explicit integer bit), binary64/binary32 and integers, with the four x87/SSE rounding modes. Java has no
 * 80-bit type: these are done on the bits, exactly, so FLD m80 / FSTP m80 round-trip every value.
 */
final class Float80 {
    private Float80() {
    }

    /** Rounding control values (FCW bits 11:10, MXCSR bits 14:13). */
    static final int RN = 0, RD = 1, RU = 2, RZ = 3;

    /** Flags from the last {@link #round}: the result was inexact, overflowed, or was tiny and inexact. */
    static final int INEXACT = 1, OVERFLOW = 2, UNDERFLOW = 4, ROUNDED_UP = 8;

    /** The exact 80-bit value of a double, as {significand, sign/exponent}. */
    static long fromDoubleMant(double d) {
        long b = Double.doubleToRawLongBits(d);
        int e = (int) (b >>> 52) & 0x7FF;
        long f = b & 0xF_FFFF_FFFF_FFFFL;
        if (e == 0x7FF) {
            return (1L << 63) | (f << 11);
        }
        if (e == 0) {
            return f == 0 ? 0 : f << Long.numberOfLeadingZeros(f);
        }
        return (1L << 63) | (f << 11);
    }

    static int fromDoubleSe(double d) {
        long b = Double.doubleToRawLongBits(d);
        int sign = (int) (b >>> 48) & 0x8000;
        int e = (int) (b >>> 52) & 0x7FF;
        long f = b & 0xF_FFFF_FFFF_FFFFL;
        if (e == 0x7FF) {
            return sign | 0x7FFF;
        }
        if (e == 0) {
            if (f == 0) {
                return sign;
            }
            int p = 63 - Long.numberOfLeadingZeros(f);
            return sign | (p - 1074 + 16383);
        }
        return sign | (e - 1023 + 16383);
    }

    /** An integer, exactly (every int64 fits the 64-bit significand). Returns the significand; see {@link #intSe}. */
    static long intMant(long v) {
        if (v == 0) {
            return 0;
        }
        long a = v < 0 ? -v : v;
        return a << Long.numberOfLeadingZeros(a);
    }

    static int intSe(long v) {
        if (v == 0) {
            return 0;
        }
        long a = v < 0 ? -v : v;
        return (v < 0 ? 0x8000 : 0) | (63 - Long.numberOfLeadingZeros(a) + 16383);
    }

    /** The 80-bit value as a double, rounded with {@code rc}; flags of the rounding go to {@code flags[0]}. */
    static double toDouble(long m, int se, int rc, int[] flags) {
        boolean neg = (se & 0x8000) != 0;
        int e = se & 0x7FFF;
        if (e == 0x7FFF) {
            if ((m << 1) == 0) {
                return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            // NaN: the payload's top bits, made quiet
            long bits = (neg ? 1L << 63 : 0) | 0x7FF8_0000_0000_0000L | ((m >>> 11) & 0xF_FFFF_FFFF_FFFFL);
            return Double.longBitsToDouble(bits);
        }
        if (m == 0) {
            return neg ? -0.0 : 0.0;
        }
        int lz = Long.numberOfLeadingZeros(m);
        int exp = (e == 0 ? 1 : e) - 16383 - lz;
        return Double.longBitsToDouble(round(neg, m << lz, exp, false, 52, 1023, 63, rc, flags));
    }

    /** As {@link #toDouble} to binary32. */
    static float toFloat(long m, int se, int rc, int[] flags) {
        boolean neg = (se & 0x8000) != 0;
        int e = se & 0x7FFF;
        if (e == 0x7FFF) {
            if ((m << 1) == 0) {
                return neg ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
            }
            int bits = (neg ? 1 << 31 : 0) | 0x7FC0_0000 | (int) ((m >>> 40) & 0x7F_FFFF);
            return Float.intBitsToFloat(bits);
        }
        if (m == 0) {
            return neg ? -0.0f : 0.0f;
        }
        int lz = Long.numberOfLeadingZeros(m);
        int exp = (e == 0 ? 1 : e) - 16383 - lz;
        return Float.intBitsToFloat((int) round(neg, m << lz, exp, false, 23, 127, 31, rc, flags));
    }

    /**
     * Rounds a normalized significand {@code mm} (bit 63 set, value mm * 2^(exp - 63), {@code sticky}: nonzero bits
     * below it) to a binary format with {@code frac} fraction bits and exponent bias {@code bias}; returns its bits.
     */
    static long round(boolean neg, long mm, int exp, boolean sticky, int frac, int bias, int signBit, int rc, int[] flags) {
        int emin = 1 - bias;
        int shift = 63 - frac;
        boolean sub = exp < emin;
        if (sub) {
            shift += emin - exp;
        }
        long q;
        boolean above, half, any;
        if (shift >= 64) {
            q = 0;
            above = shift == 64 && ((mm << 1) != 0 || sticky);
            half = shift == 64 && !above;
            any = true;
        } else {
            q = mm >>> shift;
            long rem = mm << (64 - shift); // the bits shifted out, left-aligned
            above = Long.compareUnsigned(rem, 1L << 63) > 0 || rem == 1L << 63 && sticky;
            half = rem == 1L << 63 && !sticky;
            any = rem != 0 || sticky;
        }
        boolean up;
        switch (rc) {
            case RN: up = above || half && (q & 1) != 0; break;
            case RD: up = any && neg; break;
            case RU: up = any && !neg; break;
            default: up = false; break;
        }
        if (up) {
            q++;
        }
        int f = up ? ROUNDED_UP : 0;
        if (any) {
            f |= INEXACT;
            if (sub) {
                f |= UNDERFLOW;
            }
        }
        long bits;
        long sign = neg ? 1L << signBit : 0;
        if (sub) {
            bits = q; // q == 1 << frac is the smallest normal: the encoding carries into the exponent by itself
        } else {
            if (q == 1L << (frac + 1)) {
                q >>>= 1;
                exp++;
            }
            if (exp > bias) {
                f |= OVERFLOW | INEXACT;
                boolean inf = rc == RN || rc == RU && !neg || rc == RD && neg;
                f = inf ? f | ROUNDED_UP : f & ~ROUNDED_UP;
                long expAll = (1L << (signBit - frac)) - 1;
                bits = inf ? expAll << frac : ((expAll - 1) << frac) | ((1L << frac) - 1);
            } else {
                bits = ((long) (exp + bias) << frac) | (q & ((1L << frac) - 1));
            }
        }
        if (flags != null) {
            flags[0] |= f;
        }
        return sign | bits;
    }

    /**
     * The 80-bit value rounded to an integer of {@code bytes} bytes with {@code rc}, or the integer indefinite
     * (most negative value) with {@code flags[0]} |= -1 (invalid) when it is a NaN, infinite or out of range.
     */
    static long toInt(long m, int se, int bytes, int rc, int[] flags) {
        boolean neg = (se & 0x8000) != 0;
        int e = se & 0x7FFF;
        long indefinite = 1L << (8 * bytes - 1);
        if (e == 0x7FFF) {
            flags[0] = -1;
            return indefinite;
        }
        if (m == 0) {
            return 0;
        }
        int exp = e - 16383;
        long ip;
        boolean above, half, any;
        if (exp < 0) {
            ip = 0;
            above = exp == -1 && (m << 1) != 0;
            half = exp == -1 && (m << 1) == 0;
            any = true;
        } else if (exp >= 63) {
            if (exp == 63 && neg && m == 1L << 63 && bytes == 8) {
                return Long.MIN_VALUE;
            }
            flags[0] = -1;
            return indefinite;
        } else {
            ip = m >>> (63 - exp);
            long rem = m << (exp + 1);
            above = Long.compareUnsigned(rem, 1L << 63) > 0;
            half = rem == 1L << 63;
            any = rem != 0;
        }
        boolean up;
        switch (rc) {
            case RN: up = above || half && (ip & 1) != 0; break;
            case RD: up = any && neg; break;
            case RU: up = any && !neg; break;
            default: up = false; break;
        }
        if (up) {
            ip++;
            flags[0] |= ROUNDED_UP;
        }
        if (any) {
            flags[0] |= INEXACT;
        }
        long limit = bytes == 8 ? Long.MAX_VALUE : (1L << (8 * bytes - 1)) - 1;
        if (ip < 0 || (neg ? ip - 1 > limit : ip > limit)) {
            flags[0] = -1;
            return indefinite;
        }
        return neg ? -ip : ip;
    }
}
