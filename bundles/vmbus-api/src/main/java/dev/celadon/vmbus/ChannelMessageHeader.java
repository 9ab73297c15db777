package dev.celadon.vmbus;

/**
 * {@code struct vmbus_channel_message_header}: u32 msgtype @0, u32 padding @4. Every control message starts
 * with it; the type code may be one Celadon does not know ({@link #knownType()} is then null).
 */
public record ChannelMessageHeader(int type) {
    public static final int SIZE = 8;
    public static final int MSGTYPE = 0;

    public static ChannelMessageHeader decode(byte[] b, int off, int length) {
        VmbusProtocolException.require(off >= 0 && length >= SIZE && off <= b.length - SIZE, "VMBus message of "
                + length + " bytes is shorter than its 8-byte header");
        return new ChannelMessageHeader(Le.u32(b, off + MSGTYPE));
    }

    public void encode(byte[] b, int off) {
        Le.put32(b, off + MSGTYPE, type);
        Le.put32(b, off + 4, 0);
    }

    /** The message type, or null for a code Celadon does not speak. */
    public ChannelMessageType knownType() {
        return ChannelMessageType.of(type);
    }
}
