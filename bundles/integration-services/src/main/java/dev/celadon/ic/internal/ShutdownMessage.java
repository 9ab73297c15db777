package dev.celadon.ic.internal;

import java.nio.charset.StandardCharsets;

/**
 * The body of an ICMSGTYPE_SHUTDOWN request, struct shutdown_msg_data at {@link IcMessageHeader#SIZE}: u32
 * reason_code @28, u32 timeout_seconds @32, u32 flags @36, u8 display_message[2048] @40. hv_utils requires the whole
 * structure ({@link #PACKET_SIZE} bytes, else "Invalid shutdown msg data") and reads only the flags: 0 or 1 power
 * off (orderly_poweroff), 2 or 3 restart, 4 or 5 hibernate; bit 0 means "by force", which Linux always does. It
 * answers HV_S_OK, or HV_E_FAIL for a request it will not carry out.
 *
 * @param reasonCode    reason_code, passed through (Linux ignores it)
 * @param timeout       timeout_seconds (Linux ignores it)
 * @param flags         what to do
 * @param displayMessage a message for guests that show one (UTF-16LE, as Windows reads it), at most 1023 chars
 */
public record ShutdownMessage(int reasonCode, int timeout, int flags, String displayMessage) {
    public static final int REASON_CODE = IcMessageHeader.SIZE;
    public static final int TIMEOUT_SECONDS = IcMessageHeader.SIZE + 4;
    public static final int FLAGS = IcMessageHeader.SIZE + 8;
    public static final int DISPLAY_MESSAGE = IcMessageHeader.SIZE + 12;
    public static final int DISPLAY_MESSAGE_SIZE = 2048;
    public static final int BODY_SIZE = 12 + DISPLAY_MESSAGE_SIZE;
    /** 2088: already a multiple of 8, and below the 4096 hv_utils reads. */
    public static final int PACKET_SIZE = IcMessageHeader.SIZE + BODY_SIZE;

    public static final int FLAG_POWER_OFF = 0;
    public static final int FLAG_FORCE = 1;
    public static final int FLAG_RESTART = 2;
    public static final int FLAG_HIBERNATE = 4;

    public ShutdownMessage {
        if (displayMessage == null || displayMessage.length() * 2 > DISPLAY_MESSAGE_SIZE - 2) {
            throw new IllegalArgumentException("display message too long");
        }
    }

    public byte[] encodeRequest(IcVersion framework, IcVersion message, int transaction) {
        byte[] b = new byte[PACKET_SIZE];
        IcMessageHeader.request(framework, IcMessageHeader.TYPE_SHUTDOWN, message, BODY_SIZE, transaction).encode(b);
        Le.put32(b, REASON_CODE, reasonCode);
        Le.put32(b, TIMEOUT_SECONDS, timeout);
        Le.put32(b, FLAGS, flags);
        byte[] text = displayMessage.getBytes(StandardCharsets.UTF_16LE);
        System.arraycopy(text, 0, b, DISPLAY_MESSAGE, text.length);
        return b;
    }
}
