package dev.celadon.storage.vstor;

/** {@code enum vstor_packet_operation}: the {@code operation} field of a {@link VstorPacket}. */
public final class VstorOperation {
    /** Every reply from the host, whatever it answers (Linux checks for it). */
    public static final int COMPLETE_IO = 1;
    public static final int REMOVE_DEVICE = 2;
    public static final int EXECUTE_SRB = 3;
    public static final int RESET_LUN = 4;
    public static final int RESET_ADAPTER = 5;
    public static final int RESET_BUS = 6;
    public static final int BEGIN_INITIALIZATION = 7;
    public static final int END_INITIALIZATION = 8;
    public static final int QUERY_PROTOCOL_VERSION = 9;
    public static final int QUERY_PROPERTIES = 10;
    public static final int ENUMERATE_BUS = 11;
    public static final int FCHBA_DATA = 12;
    public static final int CREATE_SUB_CHANNELS = 13;

    /** The transaction id Linux uses for every initialisation request (VMBUS_RQST_INIT). */
    public static final long INIT_TRANSACTION_ID = 0xFFFF_FFFF_FFFF_FFFDL;
    /** The transaction id of Linux's bus reset (VMBUS_RQST_RESET). */
    public static final long RESET_TRANSACTION_ID = 0xFFFF_FFFF_FFFF_FFFEL;

    private VstorOperation() {
    }

    public static String name(int op) {
        return switch (op) {
            case COMPLETE_IO -> "COMPLETE_IO";
            case REMOVE_DEVICE -> "REMOVE_DEVICE";
            case EXECUTE_SRB -> "EXECUTE_SRB";
            case RESET_LUN -> "RESET_LUN";
            case RESET_ADAPTER -> "RESET_ADAPTER";
            case RESET_BUS -> "RESET_BUS";
            case BEGIN_INITIALIZATION -> "BEGIN_INITIALIZATION";
            case END_INITIALIZATION -> "END_INITIALIZATION";
            case QUERY_PROTOCOL_VERSION -> "QUERY_PROTOCOL_VERSION";
            case QUERY_PROPERTIES -> "QUERY_PROPERTIES";
            case ENUMERATE_BUS -> "ENUMERATE_BUS";
            case FCHBA_DATA -> "FCHBA_DATA";
            case CREATE_SUB_CHANNELS -> "CREATE_SUB_CHANNELS";
            default -> "operation " + Integer.toUnsignedString(op);
        };
    }
}
