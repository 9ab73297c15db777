package dev.celadon.vhd.internal;

import java.time.Instant;

/** VHD time stamps: unsigned seconds since 2000-01-01 00:00:00 UTC. */
public final class VhdTime {
    /** 2000-01-01T00:00:00Z in Unix seconds. */
    public static final long EPOCH = 946_684_800L;

    private VhdTime() {
    }

    public static int of(Instant t) {
        long s = t.getEpochSecond() - EPOCH;
        return (int) Math.max(0, Math.min(s, 0xFFFF_FFFFL));
    }

    public static Instant toInstant(int stamp) {
        return Instant.ofEpochSecond(EPOCH + Integer.toUnsignedLong(stamp));
    }
}
