package dev.celadon.vmbus;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmPacketTest {
    @Test
    void descriptorLayout() {
        // storvsc's reply: a completion of 16 + 64 bytes.
        byte[] b = VmPacket.completion(0xFFFFFFFFFFFFFFFDL, new byte[64]).encode();
        ByteBuffer x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(80, b.length);
        assertEquals(11, x.getShort(0));
        assertEquals(2, x.getShort(2));
        assertEquals(10, x.getShort(4));
        assertEquals(0, x.getShort(6));
        assertEquals(0xFFFFFFFFFFFFFFFDL, x.getLong(8));
        // Data is padded to 8 bytes.
        VmPacket p = VmPacket.inband(1, 7, new byte[] {1, 2, 3});
        assertEquals(24, p.encodedLength());
        VmPacket q = VmPacket.decode(p.encode(), 0, 24);
        assertTrue(q.completionRequested());
        assertArrayEquals(new byte[] {1, 2, 3, 0, 0, 0, 0, 0}, q.data());
    }

    @Test
    void decodeChecksShape() {
        byte[] b = VmPacket.inband(0, 1, new byte[8]).encode();
        ByteBuffer x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThrows(VmbusProtocolException.class, () -> VmPacket.decode(b, 0, 16));
        x.putShort(2, (short) 1);
        assertThrows(VmbusProtocolException.class, () -> VmPacket.decode(b, 0, 24));
        x.putShort(2, (short) 4);
        assertThrows(VmbusProtocolException.class, () -> VmPacket.decode(b, 0, 24));
        assertThrows(VmbusProtocolException.class, () -> VmPacket.decode(b, 10, 14));
        assertThrows(IllegalArgumentException.class, () -> new VmPacket(6, 0, 0, new byte[4], new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> VmPacket.inband(0, 0, new byte[VmPacketDescriptor.MAX_LENGTH]));
    }

    @Test
    void gpaDirectAsStorvscSendsIt() {
        // One range of 9000 bytes starting 0x200 into its first page: ceil((0x200 + 9000) / 4096) = 3 pages.
        byte[] ext = GpaDirect.encode(List.of(new GpaDirect.Range(9000, 0x200, new long[] {0x10, 0x11, 0x30})));
        VmPacket p = new VmPacket(VmPacketType.DATA_USING_GPA_DIRECT, 1, 5, ext, new byte[64]);
        byte[] b = p.encode();
        ByteBuffer x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((32 + 24) / 8, x.getShort(2));
        assertEquals(1, x.getInt(20));
        assertEquals(9000, x.getInt(24));
        assertEquals(0x200, x.getInt(28));
        assertEquals(0x30, x.getLong(48));
        GpaDirect.Range r = GpaDirect.decode(VmPacket.decode(b, 0, b.length)).get(0);
        assertEquals(9000, r.length());
        assertArrayEquals(new long[] {0x10, 0x11, 0x30}, r.pfns());

        x.putInt(24, 3 * 4096); // now needs 4 page numbers; the header has 3
        assertThrows(VmbusProtocolException.class, () -> GpaDirect.decode(VmPacket.decode(b, 0, b.length)));
        x.putInt(24, 100).putInt(28, 4096);
        assertThrows(VmbusProtocolException.class, () -> GpaDirect.decode(VmPacket.decode(b, 0, b.length)));
        x.putInt(28, 0).putInt(24, 0);
        assertThrows(VmbusProtocolException.class, () -> GpaDirect.decode(VmPacket.decode(b, 0, b.length)));
        x.putInt(24, 100).putInt(20, -1);
        assertThrows(VmbusProtocolException.class, () -> GpaDirect.decode(VmPacket.decode(b, 0, b.length)));
        assertThrows(VmbusProtocolException.class, () -> GpaDirect.decode(VmPacket.inband(0, 0, new byte[8])));
    }
}
