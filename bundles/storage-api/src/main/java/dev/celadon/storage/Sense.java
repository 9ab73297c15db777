package dev.celadon.storage;

/**
 * SCSI sense data: a sense key with its additional sense code and qualifier (SPC-4 §4.5), carried in fixed
 * format (response code 0x70, 18 bytes):
 * <pre>
 *   @0  0x70 (current error; bit 7, VALID, clear: no INFORMATION field)
 *   @2  sense key (low 4 bits)
 *   @7  additional sense length = 10
 *   @12 ASC   @13 ASCQ
 * </pre>
 */
public record Sense(int key, int asc, int ascq) {
    public static final int FIXED_LENGTH = 18;
    public static final int RESPONSE_CURRENT_FIXED = 0x70;

    public static final int KEY_NO_SENSE = 0x0;
    public static final int KEY_NOT_READY = 0x2;
    public static final int KEY_MEDIUM_ERROR = 0x3;
    public static final int KEY_HARDWARE_ERROR = 0x4;
    public static final int KEY_ILLEGAL_REQUEST = 0x5;
    public static final int KEY_UNIT_ATTENTION = 0x6;
    public static final int KEY_DATA_PROTECT = 0x7;
    public static final int KEY_ABORTED_COMMAND = 0xB;

    public static final Sense NO_SENSE = new Sense(KEY_NO_SENSE, 0, 0);
    public static final Sense INVALID_OPCODE = new Sense(KEY_ILLEGAL_REQUEST, 0x20, 0x00);
    public static final Sense LBA_OUT_OF_RANGE = new Sense(KEY_ILLEGAL_REQUEST, 0x21, 0x00);
    public static final Sense INVALID_FIELD_IN_CDB = new Sense(KEY_ILLEGAL_REQUEST, 0x24, 0x00);
    public static final Sense LUN_NOT_SUPPORTED = new Sense(KEY_ILLEGAL_REQUEST, 0x25, 0x00);
    public static final Sense SAVING_PARAMETERS_NOT_SUPPORTED = new Sense(KEY_ILLEGAL_REQUEST, 0x39, 0x00);
    public static final Sense WRITE_PROTECTED = new Sense(KEY_DATA_PROTECT, 0x27, 0x00);
    public static final Sense UNRECOVERED_READ_ERROR = new Sense(KEY_MEDIUM_ERROR, 0x11, 0x00);
    public static final Sense WRITE_ERROR = new Sense(KEY_MEDIUM_ERROR, 0x0C, 0x00);

    public Sense {
        if ((key & ~0xF) != 0 || (asc & ~0xFF) != 0 || (ascq & ~0xFF) != 0) {
            throw new IllegalArgumentException("sense key " + key + " asc " + asc + " ascq " + ascq);
        }
    }

    public byte[] toFixed() {
        byte[] b = new byte[FIXED_LENGTH];
        b[0] = (byte) RESPONSE_CURRENT_FIXED;
        b[2] = (byte) key;
        b[7] = (byte) (FIXED_LENGTH - 8);
        b[12] = (byte) asc;
        b[13] = (byte) ascq;
        return b;
    }

    /**
     * Reads fixed-format sense data ({@code 0x70}/{@code 0x71}).
     *
     * @throws IllegalArgumentException if {@code length} is below 14 or the response code is not fixed format
     */
    public static Sense ofFixed(byte[] b, int off, int length) {
        if (length < 14 || off < 0 || off + length > b.length) {
            throw new IllegalArgumentException("sense data of " + length + " bytes is too short for fixed format");
        }
        int code = b[off] & 0x7F;
        if (code != 0x70 && code != 0x71) {
            throw new IllegalArgumentException("sense response code 0x" + Integer.toHexString(code)
                    + " is not fixed format");
        }
        return new Sense(b[off + 2] & 0xF, b[off + 12] & 0xFF, b[off + 13] & 0xFF);
    }

    @Override
    public String toString() {
        return String.format("sense key 0x%X asc 0x%02X ascq 0x%02X", key, asc, ascq);
    }
}
