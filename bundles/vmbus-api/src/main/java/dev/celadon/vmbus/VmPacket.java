package dev.celadon.vmbus;

import java.util.Arrays;

/**
 * One VMBus packet as a value: descriptor fields, the type's own header bytes between the descriptor and the
 * data ({@code extension}, a multiple of 8 bytes: GPA ranges, transfer page ranges; empty for inband data and
 * completions) and the data. Encoded it is {@code 16 + extension + data} rounded up to 8 bytes, with offset8
 * and len8 computed from those lengths. Decoded data includes the writer's padding to 8 bytes (VMBus carries
 * no finer length). The arrays are held, not copied: a packet is built, written and dropped.
 */
public final class VmPacket {
    private static final byte[] NONE = new byte[0];

    private final int type;
    private final int flags;
    private final long transactionId;
    private final byte[] extension;
    private final byte[] data;

    public VmPacket(int type, int flags, long transactionId, byte[] extension, byte[] data) {
        if ((type | flags) >>> 16 != 0) {
            throw new IllegalArgumentException("type and flags are u16: " + type + ", " + flags);
        }
        if (extension.length % 8 != 0) {
            throw new IllegalArgumentException("packet header extension of " + extension.length
                    + " bytes is not a multiple of 8");
        }
        if (VmPacketDescriptor.SIZE + (long) extension.length + align8(data.length) > VmPacketDescriptor.MAX_LENGTH) {
            throw new IllegalArgumentException("packet of " + (VmPacketDescriptor.SIZE + extension.length
                    + data.length) + " bytes exceeds len8's " + VmPacketDescriptor.MAX_LENGTH);
        }
        this.type = type;
        this.flags = flags;
        this.transactionId = transactionId;
        this.extension = extension;
        this.data = data;
    }

    /** An inband data packet: the data right after the descriptor. */
    public static VmPacket inband(int flags, long transactionId, byte[] data) {
        return new VmPacket(VmPacketType.DATA_INBAND, flags, transactionId, NONE, data);
    }

    /** A completion answering the request with {@code transactionId}. */
    public static VmPacket completion(long transactionId, byte[] data) {
        return new VmPacket(VmPacketType.COMPLETION, 0, transactionId, NONE, data);
    }

    /**
     * Parses {@code length} bytes at {@code off}: a whole packet, descriptor included, trailer excluded.
     *
     * @throws VmbusProtocolException if len8 disagrees with the length or offset8 is out of place
     */
    public static VmPacket decode(byte[] b, int off, int length) {
        VmPacketDescriptor d = VmPacketDescriptor.decode(b, off);
        d.checkShape();
        VmbusProtocolException.require(d.length() == length, "packet len8 " + d.len8() + " says " + d.length()
                + " bytes, " + length + " were given");
        VmbusProtocolException.require(off + length <= b.length, "packet runs past the buffer");
        return new VmPacket(d.type(), d.flags(), d.transactionId(),
                Arrays.copyOfRange(b, off + VmPacketDescriptor.SIZE, off + d.dataOffset()),
                Arrays.copyOfRange(b, off + d.dataOffset(), off + length));
    }

    public static int align8(int n) {
        return (n + 7) & ~7;
    }

    public int type() {
        return type;
    }

    public int flags() {
        return flags;
    }

    public long transactionId() {
        return transactionId;
    }

    /** The type's header after the descriptor (the array itself). */
    public byte[] extension() {
        return extension;
    }

    /** The data (the array itself). */
    public byte[] data() {
        return data;
    }

    public boolean completionRequested() {
        return (flags & VmPacketType.FLAG_COMPLETION_REQUESTED) != 0;
    }

    /** offset8 * 8: descriptor plus extension. */
    public int dataOffset() {
        return VmPacketDescriptor.SIZE + extension.length;
    }

    /** len8 * 8: the encoded length, descriptor and padding included, trailer excluded. */
    public int encodedLength() {
        return dataOffset() + align8(data.length);
    }

    public VmPacketDescriptor descriptor() {
        return new VmPacketDescriptor(type, dataOffset() / 8, encodedLength() / 8, flags, transactionId);
    }

    public byte[] encode() {
        byte[] b = new byte[encodedLength()];
        descriptor().encode(b, 0);
        System.arraycopy(extension, 0, b, VmPacketDescriptor.SIZE, extension.length);
        System.arraycopy(data, 0, b, dataOffset(), data.length);
        return b;
    }

    @Override
    public String toString() {
        return VmPacketType.name(type) + " trans_id 0x" + Long.toHexString(transactionId) + " flags " + flags
                + ", " + extension.length + "+" + data.length + " bytes";
    }
}
