package dev.celadon.storage.vstor;

/** {@code srb_status} values of a completed SRB (a subset of Windows' SRB_STATUS_*), and the sense-valid bit. */
public final class SrbStatus {
    public static final int PENDING = 0x00;
    public static final int SUCCESS = 0x01;
    public static final int ABORTED = 0x02;
    /** Failed; with {@link #AUTOSENSE_VALID} and scsi_status CHECK CONDITION the sense data says why. */
    public static final int ERROR = 0x04;
    /** The SRB itself is malformed (lengths, buffers); Linux gets no sense for it. */
    public static final int INVALID_REQUEST = 0x06;
    public static final int DATA_OVERRUN = 0x12;
    /** No such path/target/LUN; Linux answers by removing the device (DID_NO_CONNECT). */
    public static final int INVALID_LUN = 0x20;
    /** OR-ed into the status when the reply's sense_data is valid. */
    public static final int AUTOSENSE_VALID = 0x80;

    private SrbStatus() {
    }

    /** The status without its flag bits (Linux's SRB_STATUS()). */
    public static int code(int srbStatus) {
        return srbStatus & 0x3F;
    }
}
