package dev.celadon.vmbus;

/**
 * VMBus protocol versions ({@code major << 16 | minor}, include/linux/hyperv.h). Linux 6.1 offers, in this
 * order, 5.3, 5.2, 5.1, 5.0, 4.1, 4.0, 3.0 and 2.4 in INITIATE_CONTACT, moving on when the host answers
 * {@code supported = 0}. From 5.0 the guest posts to {@link #MESSAGE_CONNECTION_ID_V5} and names its message
 * SINT in INITIATE_CONTACT; before, it posts to {@link #MESSAGE_CONNECTION_ID} and names an interrupt page.
 */
public final class VmbusVersion {
    public static final int WS2008 = 13;
    public static final int WIN7 = 1 << 16 | 1;
    public static final int WIN8 = 2 << 16 | 4;
    public static final int WIN8_1 = 3 << 16;
    public static final int WIN10 = 4 << 16;
    public static final int WIN10_V4_1 = 4 << 16 | 1;
    public static final int WIN10_V5 = 5 << 16;
    public static final int WIN10_V5_1 = 5 << 16 | 1;
    public static final int WIN10_V5_2 = 5 << 16 | 2;
    public static final int WIN10_V5_3 = 5 << 16 | 3;

    /** What Linux 6.1 proposes, first to last. */
    public static final int[] LINUX_6_1_PROPOSALS = {WIN10_V5_3, WIN10_V5_2, WIN10_V5_1, WIN10_V5, WIN10_V4_1,
        WIN10, WIN8_1, WIN8};

    /** The connection id guests post control messages to below 5.0. */
    public static final int MESSAGE_CONNECTION_ID = 1;
    /** The connection id Linux posts INITIATE_CONTACT to for versions 5.0 and later. */
    public static final int MESSAGE_CONNECTION_ID_V5 = 4;

    private VmbusVersion() {
    }

    public static String toString(int version) {
        return (version >>> 16) + "." + (version & 0xffff);
    }
}
