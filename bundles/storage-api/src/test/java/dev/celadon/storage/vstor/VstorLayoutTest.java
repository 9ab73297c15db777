package dev.celadon.storage.vstor;

import dev.celadon.storage.Lun;
import dev.celadon.storage.Sense;
import dev.celadon.storage.StorageBackend;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/** The storvsc structures byte for byte at the offsets Linux 6.1's storvsc_drv.c lays them out. */
class VstorLayoutTest {

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void srbPacketAtLinuxOffsets() {
        byte[] cdb = {(byte) 0x88, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 8, 0, 0};
        byte[] p = VmscsiRequest.of(1, 0, 3, cdb, VmscsiRequest.READ_TYPE, 4096).toPacket().encode();
        assertEquals(64, p.length);
        ByteBuffer b = le(p);
        assertEquals(VstorOperation.EXECUTE_SRB, b.getInt(0));
        assertEquals(VstorPacket.REQUEST_COMPLETION_FLAG, b.getInt(4));
        assertEquals(0, b.getInt(8));
        assertEquals(52, b.getShort(12), "vm_srb.length");
        assertEquals(1, p[12 + 5], "path_id");
        assertEquals(3, p[12 + 7], "lun");
        assertEquals(16, p[12 + 8], "cdb_length");
        assertEquals(20, p[12 + 9], "sense_info_length");
        assertEquals(1, p[12 + 10], "data_in READ_TYPE");
        assertEquals(4096, b.getInt(12 + 12), "data_transfer_length");
        assertEquals((byte) 0x88, p[28], "cdb at packet offset 28");
        assertEquals(0x34, p[28 + 9]);
        assertEquals(60, b.getInt(12 + 44), "time_out_value");
        assertEquals(VmscsiRequest.SRB_FLAGS_DATA_IN, b.getInt(12 + 40) & VmscsiRequest.SRB_FLAGS_DATA_IN);
        VmscsiRequest back = VmscsiRequest.decode(VstorPacket.decode(p));
        assertEquals(4096, back.dataTransferLength());
        assertArrayEquals(cdb, back.cdb());
    }

    @Test
    void replyCarriesSenseInTheCdbArea() {
        VmscsiRequest req = VmscsiRequest.of(0, 0, 0, new byte[] {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0}, 1, 512);
        VstorPacket r = VstorPacket.request(VstorOperation.EXECUTE_SRB).reply(0);
        req.completed(0x84, 2, 0, Sense.LBA_OUT_OF_RANGE.toFixed()).encodeInto(r);
        byte[] p = r.encode();
        assertEquals(VstorOperation.COMPLETE_IO, le(p).getInt(0));
        assertEquals((byte) 0x84, p[14], "srb_status @14");
        assertEquals(2, p[15], "scsi_status @15");
        assertEquals(18, p[12 + 9], "sense_info_length: the fixed sense's 18 bytes");
        assertEquals(0x70, p[28] & 0xff, "sense at packet offset 28");
        assertEquals(5, p[28 + 2]);
        assertEquals(0x21, p[28 + 12]);
        assertEquals(Sense.LBA_OUT_OF_RANGE, Sense.ofFixed(VmscsiRequest.decode(VstorPacket.decode(p)).sense(), 0, 18));
    }

    @Test
    void propertiesAndVersionOffsets() {
        VstorPacket r = VstorPacket.of(VstorOperation.COMPLETE_IO, 0, 0);
        new ChannelProperties(0, 0, 0x100000).encodeInto(r);
        byte[] p = r.encode();
        assertEquals(0x100000, le(p).getInt(24), "max_transfer_bytes @24");
        assertEquals(0, le(p).getShort(16), "max_channel_cnt @16");
        assertEquals(0, le(p).getInt(20), "flags @20");
        byte[] q = VstorPacket.queryVersion(VstorVersion.WIN10).encode();
        assertEquals(VstorOperation.QUERY_PROTOCOL_VERSION, le(q).getInt(0));
        assertEquals(0x0602, le(q).getShort(12));
        assertEquals(0x0602, VstorPacket.decode(q).version());
        assertEquals("6.2", VstorVersion.name(VstorVersion.WIN10));
    }

    @Test
    void shortPacketsAndBadValues() {
        assertThrows(VstorProtocolException.class, () -> VstorPacket.decode(new byte[15]));
        VstorPacket p = VstorPacket.decode(new byte[] {9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x05, 0, 0});
        assertEquals(0x0501, p.version());
        assertThrows(IllegalArgumentException.class, () -> Sense.ofFixed(new byte[18], 0, 18), "response code 0");
        assertThrows(IllegalArgumentException.class, () -> Sense.ofFixed(new byte[10], 0, 10));
        StorageBackend tiny = new StorageBackend() {
            public int blockSize() { return 512; }
            public long capacityBytes() { return 1000; }
            public boolean readOnly() { return true; }
            public void read(long o, ByteBuffer d) { }
            public void write(long o, ByteBuffer s) { }
            public void flush() { }
        };
        assertThrows(IllegalArgumentException.class, () -> Lun.of(0, tiny), "capacity not whole blocks");
        assertThrows(IllegalArgumentException.class, () -> new Lun(255, tiny, "x"));
    }
}
