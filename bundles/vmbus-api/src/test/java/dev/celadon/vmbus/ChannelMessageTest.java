package dev.celadon.vmbus;

import dev.celadon.vmbus.ChannelMessage.*;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layouts checked against the offsets in the reference (§6), written here with ByteBuffer, not with Le. */
class ChannelMessageTest {
    static final Guid SCSI = Guid.parse("ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void refused(String expected, byte[] m) {
        VmbusProtocolException e = assertThrows(VmbusProtocolException.class, () -> ChannelMessage.decode(m));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void guidUsesTheWindowsLayout() {
        assertEquals("d9636 1baa1042 94db60572e2ffb1dc7f".replace(" ", ""), HexFormat.of().formatHex(SCSI.toBytes()));
        assertEquals(SCSI, Guid.decode(SCSI.toBytes(), 0));
    }

    @Test
    void offerAtLinuxOffsets() {
        Guid instance = Guid.parse("12345678-9abc-def0-1122-334455667788");
        byte[] user = new byte[120];
        user[0] = 1;
        user[119] = 2;
        OfferChannel offer = new OfferChannel(SCSI, instance, 0x2000, 3, user, 1, 15, 0, false, true, 31);
        byte[] b = offer.encode();
        ByteBuffer x = le(b);
        assertEquals(196, b.length);
        assertEquals(1, x.getInt(0));
        assertArrayEquals(SCSI.toBytes(), Arrays.copyOfRange(b, 8, 24));
        assertArrayEquals(instance.toBytes(), Arrays.copyOfRange(b, 24, 40));
        assertEquals(0x2000, x.getShort(56));
        assertEquals(3, x.getShort(58));
        assertEquals(1, b[60]);
        assertEquals(2, b[179]);
        assertEquals(1, x.getShort(180));
        assertEquals(15, x.getInt(184));
        assertEquals(0, b[189]);
        assertEquals(1, x.getShort(190));
        assertEquals(31, x.getInt(192));
        assertEquals(offer, ChannelMessage.decode(b));
        refused("needs 196", Arrays.copyOf(b, 195));
        x.putInt(184, 2048);
        refused("child_relid 2048", b);
        x.putInt(184, 0);
        refused("child_relid 0", b);
    }

    @Test
    void contactAndVersion() {
        byte[] b = new byte[40];
        ByteBuffer x = le(b);
        x.putInt(0, 14).putInt(8, VmbusVersion.WIN10_V5_3).putInt(12, 1).put(16, (byte) 2).putInt(20, 0x7)
                .putLong(24, 0x1234000).putLong(32, 0x1235000);
        InitiateContact c = assertInstanceOf(InitiateContact.class, ChannelMessage.decode(b));
        assertEquals(VmbusVersion.WIN10_V5_3, c.version());
        assertEquals("5.3", VmbusVersion.toString(c.version()));
        assertEquals(1, c.targetVcpu());
        assertEquals(2, c.messageSint());
        assertEquals(7, c.featureFlags());
        assertEquals(0x1235000, c.monitorPage2());
        assertArrayEquals(b, c.encode());
        refused("needs 40", Arrays.copyOf(b, 39));

        byte[] v = new VersionResponse(true, 0, 5).encode();
        assertEquals("0f00000000000000010000000500000" + "0", HexFormat.of().formatHex(v));
        assertEquals(new VersionResponse(false, 0, 0), ChannelMessage.decode(new VersionResponse(false, 0, 0).encode()));
    }

    @Test
    void openAtLinuxOffsets() {
        byte[] user = new byte[24];
        OpenChannel o = new OpenChannel(5, 5, 0xE1E10, 1, 32, user);
        byte[] b = o.encode();
        ByteBuffer x = le(b);
        assertEquals(148, b.length);
        assertEquals(5, x.getInt(0));
        assertEquals(5, x.getInt(8));
        assertEquals(0xE1E10, x.getInt(16));
        assertEquals(1, x.getInt(20));
        assertEquals(32, x.getInt(24));
        assertEquals(o, ChannelMessage.decode(b));
        OpenChannelResult r = new OpenChannelResult(5, 5, 0);
        assertEquals(20, r.encode().length);
        assertEquals(0, le(r.encode()).getInt(16));
        assertEquals(r, ChannelMessage.decode(r.encode()));
    }

    @Test
    void fixedMessagesRoundTripAndAreLengthChecked() {
        List<ChannelMessage> all = List.of(new RequestOffers(), new AllOffersDelivered(), new Unload(),
                new UnloadResponse(), new RescindChannelOffer(7), new RelidReleased(7), new CloseChannel(7),
                new GpadlCreated(7, 0xE1E10, 0), new GpadlTeardown(7, 0xE1E10), new GpadlTorndown(0xE1E10),
                new ModifyChannel(7, 3), new ModifyChannelResponse(7, 0),
                new OpenChannelResult(7, 7, 0xC0000001));
        for (ChannelMessage m : all) {
            byte[] b = m.encode();
            assertEquals(m.type().size(), b.length, m.toString());
            assertEquals(m.type().code(), le(b).getInt(0));
            assertEquals(m, ChannelMessage.decode(b));
            // Trailing bytes are ignored, as Linux ignores them; a byte short is refused.
            assertEquals(m, ChannelMessage.decode(Arrays.copyOf(b, b.length + 4)));
            refused(b.length == 8 ? "8-byte header" : "needs " + b.length, Arrays.copyOf(b, b.length - 1));
        }
        assertEquals(0xE1E10, le(new GpadlTorndown(0xE1E10).encode()).getInt(8));
        assertEquals(0xE1E10, le(new GpadlTeardown(7, 0xE1E10).encode()).getInt(12));
        refused("unknown VMBus message type 21", le(new byte[16]).putInt(0, 21).array());
        refused("unknown VMBus message type 4294967295", le(new byte[16]).putInt(0, -1).array());
        refused("shorter than its 8-byte header", new byte[7]);
        refused("exceeds 240", le(new byte[241]).putInt(0, 3).array());
    }

    @Test
    void gpadlHeaderAndBodies() {
        long[] pfns = new long[100];
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = 0x1000 + 3L * i;
        }
        // What Linux sends for 100 pages: a header with 26, then bodies of 28, 28 and 18.
        GpadlHeader h = GpadlHeader.of(9, 0xE1E10, 100, 100 * 4096, 0, Arrays.copyOf(pfns, 26));
        byte[] b = h.encode();
        ByteBuffer x = le(b);
        assertEquals(28 + 26 * 8, b.length);
        assertEquals(9, x.getInt(8));
        assertEquals(0xE1E10, x.getInt(12));
        assertEquals(8 + 800, x.getShort(16));
        assertEquals(1, x.getShort(18));
        assertEquals(100 * 4096, x.getInt(20));
        assertEquals(0, x.getInt(24));
        assertEquals(0x1000, x.getLong(28));
        assertEquals(0x1000 + 75, x.getLong(28 + 25 * 8));
        GpadlHeader h2 = assertInstanceOf(GpadlHeader.class, ChannelMessage.decode(b));
        assertEquals(h, h2);
        assertEquals(100, h2.totalPages());

        GpadlAssembler a = new GpadlAssembler(h2);
        int at = 26;
        while (!a.complete()) {
            int n = Math.min(28, 100 - at);
            GpadlBody body = new GpadlBody(0, 0xE1E10, Arrays.copyOfRange(pfns, at, at + n));
            byte[] bb = body.encode();
            assertEquals(16 + 8 * n, bb.length);
            assertEquals(pfns[at], le(bb).getLong(16));
            a.add(assertInstanceOf(GpadlBody.class, ChannelMessage.decode(bb)));
            at += n;
        }
        assertEquals(Gpadl.ofPages(pfns), a.gpadl());
        assertThrows(VmbusProtocolException.class, () -> a.add(new GpadlBody(0, 0xE1E10, new long[] {1})));

        GpadlAssembler other = new GpadlAssembler(h2);
        VmbusProtocolException e = assertThrows(VmbusProtocolException.class,
                () -> other.add(new GpadlBody(0, 0xE1E11, new long[] {1})));
        assertTrue(e.getMessage().contains("0xe1e11"), e.getMessage());
        assertThrows(VmbusProtocolException.class, other::gpadl);
    }

    @Test
    void malformedGpadlMessagesAreRefused() {
        byte[] b = GpadlHeader.of(9, 1, 2, 8192, 0, new long[] {1, 2}).encode();
        ByteBuffer x = le(b);
        x.putShort(18, (short) 2);
        refused("rangecount 2", b);
        x.putShort(18, (short) 1);
        refused("not 28 + 8 * pages", Arrays.copyOf(b, b.length - 3));
        refused("needs 28", Arrays.copyOf(b, 27));
        refused("0 page numbers", Arrays.copyOf(b, 28));
        x.putShort(16, (short) 12);
        refused("range_buflen 12", b);
        x.putShort(16, (short) 16);
        refused("range_buflen 16 says 1", b);
        // A byte range that does not fit the pages is the assembler's (and Gpadl's) to refuse.
        x.putShort(16, (short) 24);
        x.putInt(20, 3 * 4096);
        GpadlAssembler a = new GpadlAssembler((GpadlHeader) ChannelMessage.decode(b));
        assertThrows(GpadlException.class, a::gpadl);
        byte[] body = new GpadlBody(0, 1, new long[] {5}).encode();
        refused("not 16 + 8 * pages", Arrays.copyOf(body, 20));
        refused("0 page numbers", Arrays.copyOf(body, 16));
    }
}
