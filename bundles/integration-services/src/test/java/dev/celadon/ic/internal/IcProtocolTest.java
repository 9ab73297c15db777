package dev.celadon.ic.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The IC structures against the byte layouts of include/linux/hyperv.h (6.1, packed): struct vmbuspipe_hdr,
 * icmsg_hdr, icmsg_negotiate, shutdown_msg_data, heartbeat_msg_data, ictimesync_data and ictimesync_ref_data. The
 * expected bytes are written here field by field with a ByteBuffer at the offsets the header declares, not with
 * the classes under test; answers are built the way hv_utils' vmbus_prep_negotiate_resp() rewrites a request.
 */
class IcProtocolTest {
    static final IcVersion V30 = new IcVersion(3, 0);
    static final IcVersion V10 = new IcVersion(1, 0);

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void sizesAndOffsetsAreThoseOfThePackedCStructs() {
        assertEquals(8, IcMessageHeader.PIPE_HEADER, "sizeof(struct vmbuspipe_hdr)");
        assertEquals(28, IcMessageHeader.SIZE, "ICMSG_HDR = 8 + sizeof(struct icmsg_hdr) 20");
        assertEquals(36, IcNegotiate.VERSIONS, "icversion_data after two u16 counts and a u32");
        assertEquals(2088, ShutdownMessage.PACKET_SIZE, "ICMSG_HDR + sizeof(struct shutdown_msg_data) 2060");
        assertEquals(40, HeartbeatMessage.BODY_SIZE, "u64 seq_num + u32 reserved[8]");
        assertEquals(25, TimeSyncMessage.BODY_SIZE_V3, "3 u64 + u8 flags");
        assertEquals(22, TimeSyncMessage.BODY_SIZE_V4, "2 u64 + flags, leapflags, stratum, reserved[3]");
    }

    @Test
    void negotiateRequestLaysOutCountsThenFrameworkThenMessageVersions() {
        IcNegotiate n = new IcNegotiate(List.of(V30, V10), List.of(new IcVersion(3, 2), V30));
        byte[] b = n.encodeRequest(0x1234 & 0xff);
        ByteBuffer e = le(new byte[56]); // 28 + 8 + 4 * 4 = 52, padded to 8
        e.putInt(0, 1).putInt(4, 20 + 8 + 16);
        e.putShort(8, (short) 3).putShort(10, (short) 0).putShort(12, (short) 0).putShort(14, (short) 3)
                .putShort(16, (short) 2).putShort(18, (short) 24).putInt(20, 0).put(24, (byte) 0x34).put(25, (byte) 3);
        e.putShort(28, (short) 2).putShort(30, (short) 2);
        e.putShort(36, (short) 3).putShort(38, (short) 0).putShort(40, (short) 1).putShort(42, (short) 0);
        e.putShort(44, (short) 3).putShort(46, (short) 2).putShort(48, (short) 3).putShort(50, (short) 0);
        assertArrayEquals(e.array(), b);
    }

    /** What vmbus_prep_negotiate_resp() leaves in the buffer: counts, the chosen pair at [0] and [1], size 0x10. */
    static byte[] linuxAnswer(byte[] request, int fc, int mc, IcVersion f, IcVersion m) {
        byte[] b = request.clone();
        ByteBuffer l = le(b);
        l.putShort(18, (short) 0x10);
        l.putShort(28, (short) fc).putShort(30, (short) mc);
        l.putShort(36, (short) f.major()).putShort(38, (short) f.minor());
        l.putShort(40, (short) m.major()).putShort(42, (short) m.minor());
        b[25] = 5; // ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE
        return b;
    }

    @Test
    void linuxsAnswerNamesThePairItChose() throws Exception {
        IcNegotiate offered = new IcNegotiate(List.of(V30, V10), List.of(V30, V10));
        byte[] answer = linuxAnswer(offered.encodeRequest(7), 1, 1, V30, V30);
        IcMessageHeader h = IcMessageHeader.decode(answer);
        assertEquals(IcMessageHeader.TYPE_NEGOTIATE, h.type());
        assertTrue(h.isResponse());
        assertEquals(0x10, h.size());
        assertEquals(7, h.transaction());
        assertEquals(new IcNegotiate.Result(V30, V30), IcNegotiate.decode(answer).chosenFrom(offered));
    }

    @Test
    void noCommonVersionIsCountsZero() throws Exception {
        IcNegotiate offered = new IcNegotiate(List.of(V30), List.of(new IcVersion(9, 0)));
        // Linux leaves garbage in the pair when nothing matched; only the counts say so.
        byte[] answer = linuxAnswer(offered.encodeRequest(1), 0, 0, V30, new IcVersion(1, 0));
        assertNull(IcNegotiate.decode(answer).chosenFrom(offered));
    }

    @Test
    void badNegotiateAnswersAreRefusedWithTheirReason() {
        IcNegotiate offered = new IcNegotiate(List.of(V30, V10), List.of(V30, V10));
        byte[] req = offered.encodeRequest(1);
        String notOffered = assertThrows(IcProtocolException.class, () -> IcNegotiate.decode(
                linuxAnswer(req, 1, 1, V30, new IcVersion(9, 9))).chosenFrom(offered)).getMessage();
        assertTrue(notOffered.contains("9.9") && notOffered.contains("not offered"), notOffered);
        assertTrue(assertThrows(IcProtocolException.class, () -> IcNegotiate.decode(
                linuxAnswer(req, 2, 1, V30, V30)).chosenFrom(offered)).getMessage().contains("counts 2/1"));
        byte[] many = linuxAnswer(req, 1, 1, V30, V30);
        le(many).putShort(28, (short) 101);
        assertTrue(assertThrows(IcProtocolException.class, () -> IcNegotiate.decode(many)).getMessage()
                .contains("exceed 100"));
        byte[] pastEnd = linuxAnswer(req, 1, 1, V30, V30);
        le(pastEnd).putShort(28, (short) 10).putShort(30, (short) 10);
        assertTrue(assertThrows(IcProtocolException.class, () -> IcNegotiate.decode(pastEnd)).getMessage()
                .contains("need 116 bytes"));
        assertThrows(IcProtocolException.class, () -> IcNegotiate.decode(Arrays.copyOf(req, 30)));
    }

    @Test
    void headersShorterThan28OrLongerThanAPageAreRefused() {
        String shortOne = assertThrows(IcProtocolException.class, () -> IcMessageHeader.decode(new byte[27]))
                .getMessage();
        assertTrue(shortOne.contains("27 bytes") && shortOne.contains("28-byte header"), shortOne);
        String longOne = assertThrows(IcProtocolException.class, () -> IcMessageHeader.decode(new byte[4104]))
                .getMessage();
        assertTrue(longOne.contains("4104") && longOne.contains("4096"), longOne);
    }

    @Test
    void shutdownRequestCarriesFlagsAt36AndTheWholeDisplayMessage() {
        byte[] b = new ShutdownMessage(5, 30, ShutdownMessage.FLAG_POWER_OFF, "bye").encodeRequest(V30, V30, 9);
        assertEquals(2088, b.length, "hv_utils wants the whole shutdown_msg_data");
        ByteBuffer l = le(b);
        assertEquals(IcMessageHeader.TYPE_SHUTDOWN, l.getShort(12));
        assertEquals(2060, l.getShort(18), "icmsgsize: the body");
        assertEquals(2080, l.getInt(4), "msgsize: what follows the pipe header");
        assertEquals(3, b[25], "TRANSACTION | REQUEST");
        assertEquals(5, l.getInt(28));
        assertEquals(30, l.getInt(32));
        assertEquals(0, l.getInt(36));
        assertEquals("bye", new String(b, 40, 6, StandardCharsets.UTF_16LE));
        assertEquals(0, b[46]);
    }

    @Test
    void heartbeatCarriesItsSequenceAt28() throws Exception {
        byte[] b = HeartbeatMessage.encodeRequest(V30, V30, 1, 41);
        assertEquals(72, b.length, "68 bytes padded to 8");
        assertEquals(IcMessageHeader.TYPE_HEARTBEAT, le(b).getShort(12));
        assertEquals(41, le(b).getLong(28));
        le(b).putLong(28, 42); // what hv_utils does: seq_num += 1
        assertEquals(42, HeartbeatMessage.sequence(b));
        assertThrows(IcProtocolException.class, () -> HeartbeatMessage.sequence(Arrays.copyOf(b, 35)));
    }

    @Test
    void timeSyncV3AndV4Layouts() {
        Instant t = Instant.parse("2000-01-01T00:00:00Z");
        // FILETIME of 2000-01-01: 125911584000000000 (100 ns units since 1601).
        assertEquals(125_911_584_000_000_000L, TimeSyncMessage.hostTime(t));
        assertEquals(116_444_736_000_000_000L, TimeSyncMessage.hostTime(Instant.EPOCH), "WLTIMEDELTA");
        byte[] v3 = TimeSyncMessage.encodeRequest(V30, V30, 2, 123456789L, 0, TimeSyncMessage.FLAG_SYNC);
        assertEquals(56, v3.length, "53 padded");
        assertEquals(123456789L, le(v3).getLong(28), "parenttime");
        assertEquals(0, le(v3).getLong(36), "childtime");
        assertEquals(1, v3[52], "flags after three u64");
        assertEquals(25, le(v3).getShort(18));
        byte[] v4 = TimeSyncMessage.encodeRequest(V30, new IcVersion(4, 0), 2, 5L, 77L, TimeSyncMessage.FLAG_SAMPLE);
        assertEquals(56, v4.length, "50 padded");
        assertEquals(77, le(v4).getLong(36), "vmreferencetime");
        assertEquals(2, v4[44], "flags after two u64");
        assertEquals(22, le(v4).getShort(18));
        assertEquals(TimeSyncMessage.FLAG_SAMPLE, TimeSyncMessage.flags(v4, new IcVersion(4, 0)));
    }

    @Test
    void guidsAreHvUtilsIdTable() {
        // HV_HEART_BEAT_GUID as GUID_INIT stores it: 39 4f 16 57 15 91 78 4e ab 55 38 2f 3b d5 42 2d.
        assertArrayEquals(new byte[] {0x39, 0x4f, 0x16, 0x57, 0x15, (byte) 0x91, 0x78, 0x4e, (byte) 0xab, 0x55, 0x38,
            0x2f, 0x3b, (byte) 0xd5, 0x42, 0x2d}, IcGuids.HEARTBEAT.toBytes());
        assertEquals("0e0b6031-5213-4934-818b-38d90ced39db", IcGuids.SHUTDOWN.toString());
        assertEquals("9527e630-d0ae-497b-adce-e80ab0175caf", IcGuids.TIMESYNC.toString());
    }
}
