package dev.celadon.vmbus;

import java.util.ArrayList;
import java.util.List;

/**
 * The page ranges of a {@link VmPacketType#DATA_USING_GPA_DIRECT} packet (Linux's {@code vmbus_packet_mpb_array}
 * and {@code vmbus_channel_packet_page_buffer}), which storvsc uses for every data-bearing SRB. Offsets are from
 * the packet's start; in the packet's {@link VmPacket#extension()} they are 16 less:
 * <pre>
 *   @16 u32 reserved
 *   @20 u32 rangecount
 *   @24 ranges: { u32 len; u32 offset (in the first page); u64 pfn[ceil((offset + len) / 4096)] }
 * </pre>
 * The PFNs are guest-physical and still to be checked against RAM by whoever touches them.
 */
public final class GpaDirect {
    /** One range: {@code length} bytes from {@code offset} into the first of {@code pfns}. */
    public record Range(int length, int offset, long[] pfns) {
    }

    public static final int RANGE_COUNT = 4;
    public static final int RANGES = 8;

    private GpaDirect() {
    }

    /** Builds the extension bytes for {@code ranges}. */
    public static byte[] encode(List<Range> ranges) {
        int size = RANGES;
        for (Range r : ranges) {
            size += 8 + 8 * r.pfns.length;
        }
        byte[] b = new byte[size];
        Le.put32(b, RANGE_COUNT, ranges.size());
        int at = RANGES;
        for (Range r : ranges) {
            Le.put32(b, at, r.length);
            Le.put32(b, at + 4, r.offset);
            at += 8;
            for (long pfn : r.pfns) {
                Le.put64(b, at, pfn);
                at += 8;
            }
        }
        return b;
    }

    /**
     * Parses the ranges of a GPA-direct packet.
     *
     * @throws VmbusProtocolException if the packet is of another type, or a count, length or offset does not fit
     */
    public static List<Range> decode(VmPacket packet) {
        VmbusProtocolException.require(packet.type() == VmPacketType.DATA_USING_GPA_DIRECT,
                "not a GPA-direct packet: " + VmPacketType.name(packet.type()));
        byte[] x = packet.extension();
        VmbusProtocolException.require(x.length >= RANGES, "GPA-direct packet header of " + x.length
                + " bytes has no range count");
        long count = Le.u32(x, RANGE_COUNT) & 0xffff_ffffL;
        // Each range takes at least 16 bytes, which bounds the count before anything is allocated.
        VmbusProtocolException.require(count >= 1 && count <= (x.length - RANGES) / 16, "GPA-direct rangecount "
                + count + " does not fit a header of " + x.length + " bytes");
        List<Range> ranges = new ArrayList<>((int) count);
        int at = RANGES;
        for (int i = 0; i < count; i++) {
            VmbusProtocolException.require(at + 8 <= x.length, "GPA-direct range " + i + " runs past the header");
            long len = Le.u32(x, at) & 0xffff_ffffL;
            long offset = Le.u32(x, at + 4) & 0xffff_ffffL;
            VmbusProtocolException.require(len > 0, "GPA-direct range " + i + " has length 0");
            VmbusProtocolException.require(offset < Gpadl.PAGE_SIZE, "GPA-direct range " + i + " offset " + offset
                    + " is not within its first page");
            long pages = (offset + len + Gpadl.PAGE_SIZE - 1) / Gpadl.PAGE_SIZE;
            VmbusProtocolException.require(pages <= (x.length - at - 8) / 8, "GPA-direct range " + i + " of "
                    + len + " bytes needs " + pages + " page numbers; the header holds "
                    + (x.length - at - 8) / 8 + " more");
            long[] pfns = new long[(int) pages];
            for (int p = 0; p < pages; p++) {
                pfns[p] = Le.u64(x, at + 8 + 8 * p);
            }
            ranges.add(new Range((int) len, (int) offset, pfns));
            at += 8 + 8 * (int) pages;
        }
        return ranges;
    }
}
