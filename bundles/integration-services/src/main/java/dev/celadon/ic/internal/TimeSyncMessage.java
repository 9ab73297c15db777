package dev.celadon.ic.internal;

import java.time.Instant;

/**
 * The body of an ICMSGTYPE_TIMESYNC request, in the two layouts hv_utils reads at {@link IcMessageHeader#SIZE}:
 * <ul>
 *   <li>message versions 1.0 and 3.0, struct ictimesync_data: u64 parenttime @28, u64 childtime @36, u64
 *       roundtriptime @44, u8 flags @52 (25 bytes, the packet 53, padded to 56). Linux takes the guest's own
 *       reference counter at receipt as the sample's reference time.</li>
 *   <li>version 4.0, struct ictimesync_ref_data: u64 parenttime @28, u64 vmreferencetime @36, u8 flags @44,
 *       leapflags @45, stratum @46, reserved[3] @47 (22 bytes, the packet 50, padded to 56). Linux adds the
 *       difference between its reference counter now and vmreferencetime, so vmreferencetime must be what the
 *       guest's TIME_REF_COUNT read when the sample was taken.</li>
 * </ul>
 * parenttime is the host's UTC in 100 ns units since 1601-01-01 (Windows FILETIME). flags: {@link #FLAG_SYNC}
 * makes Linux set its clock (do_settimeofday64), {@link #FLAG_SAMPLE} only updates what its PTP clock "hyperv"
 * reports.
 */
public final class TimeSyncMessage {
    public static final int PARENT_TIME = IcMessageHeader.SIZE;
    public static final int CHILD_TIME = IcMessageHeader.SIZE + 8;
    public static final int ROUND_TRIP_TIME = IcMessageHeader.SIZE + 16;
    public static final int FLAGS_V3 = IcMessageHeader.SIZE + 24;
    public static final int BODY_SIZE_V3 = 25;

    public static final int VM_REFERENCE_TIME = IcMessageHeader.SIZE + 8;
    public static final int FLAGS_V4 = IcMessageHeader.SIZE + 16;
    public static final int LEAP_FLAGS = IcMessageHeader.SIZE + 17;
    public static final int STRATUM = IcMessageHeader.SIZE + 18;
    public static final int BODY_SIZE_V4 = 22;

    public static final int FLAG_PROBE = 0;
    public static final int FLAG_SYNC = 1;
    public static final int FLAG_SAMPLE = 2;

    /** WLTIMEDELTA: 1601-01-01 to 1970-01-01 in 100 ns units. */
    public static final long EPOCH_1601_DELTA = 116_444_736_000_000_000L;

    private TimeSyncMessage() {
    }

    /** {@code t} as 100 ns units since 1601-01-01 UTC. */
    public static long hostTime(Instant t) {
        return EPOCH_1601_DELTA + t.getEpochSecond() * 10_000_000L + t.getNano() / 100;
    }

    /** A request in the layout of {@code message} (4.0 and later: ictimesync_ref_data, else ictimesync_data). */
    public static byte[] encodeRequest(IcVersion framework, IcVersion message, int transaction, long hostTime,
                                       long vmReferenceTime, int flags) {
        boolean v4 = message.major() >= 4;
        int body = v4 ? BODY_SIZE_V4 : BODY_SIZE_V3;
        byte[] b = new byte[IcNegotiate.align8(IcMessageHeader.SIZE + body)];
        IcMessageHeader.request(framework, IcMessageHeader.TYPE_TIMESYNC, message, body, transaction).encode(b);
        Le.put64(b, PARENT_TIME, hostTime);
        if (v4) {
            Le.put64(b, VM_REFERENCE_TIME, vmReferenceTime);
            b[FLAGS_V4] = (byte) flags;
            b[STRATUM] = 2; // as a server one hop from a reference; Linux does not read it
        } else {
            b[FLAGS_V3] = (byte) flags;
        }
        return b;
    }

    public static long parentTime(byte[] data) {
        return Le.u64(data, PARENT_TIME);
    }

    public static int flags(byte[] data, IcVersion message) {
        return Le.u8(data, message.major() >= 4 ? FLAGS_V4 : FLAGS_V3);
    }
}
