package dev.celadon.vmbus;

/**
 * {@code enum vmbus_channel_message_type} with each message's fixed size in bytes, 8-byte header included
 * (for the GPADL messages the size without page numbers). Types Celadon does not speak (the hv_sock
 * TL_CONNECT messages, 18 – 21 and 23) have no constant: decoding them is a protocol error.
 */
public enum ChannelMessageType {
    OFFER_CHANNEL(1, 196),
    RESCIND_CHANNEL_OFFER(2, 12),
    REQUEST_OFFERS(3, 8),
    ALL_OFFERS_DELIVERED(4, 8),
    OPEN_CHANNEL(5, 148),
    OPEN_CHANNEL_RESULT(6, 20),
    CLOSE_CHANNEL(7, 12),
    GPADL_HEADER(8, 28),
    GPADL_BODY(9, 16),
    GPADL_CREATED(10, 20),
    GPADL_TEARDOWN(11, 16),
    GPADL_TORNDOWN(12, 12),
    RELID_RELEASED(13, 12),
    INITIATE_CONTACT(14, 40),
    VERSION_RESPONSE(15, 16),
    UNLOAD(16, 8),
    UNLOAD_RESPONSE(17, 8),
    MODIFY_CHANNEL(22, 16),
    MODIFY_CHANNEL_RESPONSE(24, 16);

    private static final ChannelMessageType[] BY_CODE = new ChannelMessageType[25];

    static {
        for (ChannelMessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final int size;

    ChannelMessageType(int code, int size) {
        this.code = code;
        this.size = size;
    }

    public int code() {
        return code;
    }

    /** The fixed part's size, header included. */
    public int size() {
        return size;
    }

    /** The type with {@code code}, or null. */
    public static ChannelMessageType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
