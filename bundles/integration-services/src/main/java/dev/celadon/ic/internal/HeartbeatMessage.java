package dev.celadon.ic.internal;

/**
 * The body of an ICMSGTYPE_HEARTBEAT message, struct heartbeat_msg_data at {@link IcMessageHeader#SIZE}: u64 seq_num
 * @28, u32 reserved[8] @36 (40 bytes; the packet 68, padded to 72). hv_utils needs at least the sequence number
 * (36 bytes) and answers with {@code seq_num + 1} in place: that increment is the proof of life.
 */
public final class HeartbeatMessage {
    public static final int SEQUENCE = IcMessageHeader.SIZE;
    public static final int RESERVED = IcMessageHeader.SIZE + 8;
    public static final int BODY_SIZE = 40;
    /** The shortest answer that carries the sequence number. */
    public static final int MIN_PACKET_SIZE = IcMessageHeader.SIZE + 8;

    private HeartbeatMessage() {
    }

    public static byte[] encodeRequest(IcVersion framework, IcVersion message, int transaction, long sequence) {
        byte[] b = new byte[IcNegotiate.align8(IcMessageHeader.SIZE + BODY_SIZE)];
        IcMessageHeader.request(framework, IcMessageHeader.TYPE_HEARTBEAT, message, BODY_SIZE, transaction)
                .encode(b);
        Le.put64(b, SEQUENCE, sequence);
        return b;
    }

    /**
     * The sequence number of an answer.
     *
     * @throws IcProtocolException if the answer is too short to carry one
     */
    public static long sequence(byte[] data) throws IcProtocolException {
        IcProtocolException.require(data.length >= MIN_PACKET_SIZE, "HEARTBEAT answer of " + data.length
                + " bytes has no sequence number (" + MIN_PACKET_SIZE + " needed)");
        return Le.u64(data, SEQUENCE);
    }
}
