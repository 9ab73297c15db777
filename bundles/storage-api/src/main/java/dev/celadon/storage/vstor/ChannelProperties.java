package dev.celadon.storage.vstor;

/**
 * {@code struct vmstorage_channel_properties}, the union of a QUERY_PROPERTIES reply (offsets in the union; in
 * the packet they are 12 more):
 * <pre>
 *   @0  u32 reserved
 *   @4  u16 max_channel_cnt      sub-channels the host can offer
 *   @6  u16 reserved1
 *   @8  u32 flags                bit 0: multi-channel (sub-channels) supported
 *   @12 u32 max_transfer_bytes   Linux's max_sectors = this / 512, sg_tablesize = pages + 1; must not be 0
 *   @16 u64 reserved2
 * </pre>
 */
public record ChannelProperties(int maxChannelCount, int flags, int maxTransferBytes) {
    public static final int MAX_CHANNEL_CNT = 4;
    public static final int FLAGS = 8;
    public static final int MAX_TRANSFER_BYTES = 12;
    public static final int FLAG_MULTI_CHANNEL = 1;

    public ChannelProperties {
        if (maxChannelCount >>> 16 != 0) {
            throw new IllegalArgumentException("max_channel_cnt is a u16: " + maxChannelCount);
        }
    }

    public static ChannelProperties decode(VstorPacket p) {
        byte[] b = p.body();
        return new ChannelProperties(Le.u16(b, MAX_CHANNEL_CNT), Le.u32(b, FLAGS), Le.u32(b, MAX_TRANSFER_BYTES));
    }

    /** Writes the fields into {@code p}'s union. */
    public void encodeInto(VstorPacket p) {
        byte[] b = p.body();
        Le.put16(b, MAX_CHANNEL_CNT, maxChannelCount);
        Le.put32(b, FLAGS, flags);
        Le.put32(b, MAX_TRANSFER_BYTES, maxTransferBytes);
    }

    public boolean multiChannel() {
        return (flags & FLAG_MULTI_CHANNEL) != 0;
    }
}
