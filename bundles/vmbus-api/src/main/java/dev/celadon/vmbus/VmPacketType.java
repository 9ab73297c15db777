package dev.celadon.vmbus;

/** The {@code type} of a VMBus packet ({@code enum vmbus_packet_type}, include/linux/hyperv.h). */
public final class VmPacketType {
    public static final int INVALID = 0;
    public static final int SYNCH = 1;
    public static final int ADD_XFER_PAGESET = 2;
    public static final int RM_XFER_PAGESET = 3;
    public static final int ESTABLISH_GPADL = 4;
    public static final int TEARDOWN_GPADL = 5;
    /** The data follows the descriptor in the ring. */
    public static final int DATA_INBAND = 6;
    /** Data in a transfer page set (netvsc receive buffer), ranges after the descriptor. */
    public static final int DATA_USING_XFER_PAGES = 7;
    public static final int DATA_USING_GPADL = 8;
    /** Data in guest pages named by PFN after the descriptor (storvsc I/O); see {@link GpaDirect}. */
    public static final int DATA_USING_GPA_DIRECT = 9;
    public static final int CANCEL_REQUEST = 10;
    /** A completion: same transaction id as the request it answers. */
    public static final int COMPLETION = 11;
    public static final int DATA_USING_ADDITIONAL_PACKET = 12;
    public static final int ADDITIONAL_DATA = 13;

    /** The {@code flags} bit asking the other side for a {@link #COMPLETION}. */
    public static final int FLAG_COMPLETION_REQUESTED = 1;

    private VmPacketType() {
    }

    public static String name(int type) {
        return switch (type) {
            case INVALID -> "INVALID";
            case SYNCH -> "SYNCH";
            case ADD_XFER_PAGESET -> "ADD_XFER_PAGESET";
            case RM_XFER_PAGESET -> "RM_XFER_PAGESET";
            case ESTABLISH_GPADL -> "ESTABLISH_GPADL";
            case TEARDOWN_GPADL -> "TEARDOWN_GPADL";
            case DATA_INBAND -> "DATA_INBAND";
            case DATA_USING_XFER_PAGES -> "DATA_USING_XFER_PAGES";
            case DATA_USING_GPADL -> "DATA_USING_GPADL";
            case DATA_USING_GPA_DIRECT -> "DATA_USING_GPA_DIRECT";
            case CANCEL_REQUEST -> "CANCEL_REQUEST";
            case COMPLETION -> "COMPLETION";
            case DATA_USING_ADDITIONAL_PACKET -> "DATA_USING_ADDITIONAL_PACKET";
            case ADDITIONAL_DATA -> "ADDITIONAL_DATA";
            default -> "type " + type;
        };
    }
}
