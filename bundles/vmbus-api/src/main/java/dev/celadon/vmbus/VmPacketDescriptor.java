package dev.celadon.vmbus;

/**
 * {@code struct vmpacket_descriptor}, the 16 bytes that start every packet in a VMBus ring:
 * <pre>
 *   @0  u16 type        {@link VmPacketType}
 *   @2  u16 offset8     where the data starts, in 8-byte units from the descriptor
 *   @4  u16 len8        the whole packet (descriptor included, trailer excluded), in 8-byte units
 *   @6  u16 flags       {@link VmPacketType#FLAG_COMPLETION_REQUESTED}
 *   @8  u64 trans_id
 * </pre>
 * Bytes [16, offset8*8) are the type's own header (GPA ranges, transfer page ranges); [offset8*8, len8*8) is
 * the data, padded to 8 bytes.
 */
public record VmPacketDescriptor(int type, int offset8, int len8, int flags, long transactionId) {
    public static final int SIZE = 16;
    public static final int TYPE = 0;
    public static final int OFFSET8 = 2;
    public static final int LEN8 = 4;
    public static final int FLAGS = 6;
    public static final int TRANS_ID = 8;
    /** Largest packet a u16 len8 can describe. */
    public static final int MAX_LENGTH = 0xFFFF * 8;

    public VmPacketDescriptor {
        if ((type | offset8 | len8 | flags) >>> 16 != 0) {
            throw new IllegalArgumentException("descriptor fields are u16: type " + type + " offset8 " + offset8
                    + " len8 " + len8 + " flags " + flags);
        }
    }

    /** Reads the fields as they are; {@link #checkShape} says whether they make sense. */
    public static VmPacketDescriptor decode(byte[] b, int off) {
        if (off < 0 || off > b.length - SIZE) {
            throw new VmbusProtocolException("packet of " + (b.length - off) + " bytes is shorter than its"
                    + " 16-byte descriptor");
        }
        return new VmPacketDescriptor(Le.u16(b, off + TYPE), Le.u16(b, off + OFFSET8), Le.u16(b, off + LEN8),
                Le.u16(b, off + FLAGS), Le.u64(b, off + TRANS_ID));
    }

    public void encode(byte[] b, int off) {
        Le.put16(b, off + TYPE, type);
        Le.put16(b, off + OFFSET8, offset8);
        Le.put16(b, off + LEN8, len8);
        Le.put16(b, off + FLAGS, flags);
        Le.put64(b, off + TRANS_ID, transactionId);
    }

    /** Byte offset of the data from the descriptor's start. */
    public int dataOffset() {
        return offset8 * 8;
    }

    /** Length of the packet in bytes, descriptor included, trailer excluded. */
    public int length() {
        return len8 * 8;
    }

    public boolean completionRequested() {
        return (flags & VmPacketType.FLAG_COMPLETION_REQUESTED) != 0;
    }

    /**
     * @throws VmbusProtocolException if the data would start inside the descriptor or after the packet's end
     */
    public void checkShape() {
        VmbusProtocolException.require(offset8 >= 2, "packet offset8 " + offset8 + " puts the data inside the"
                + " 16-byte descriptor");
        VmbusProtocolException.require(offset8 <= len8, "packet offset8 " + offset8 + " is beyond its len8 "
                + len8);
    }
}
