package dev.celadon.vmbus.ring;

import dev.celadon.test.support.DirectGuestMemory;

import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.celadon.vmbus.ring.RingBuffer.FEATURE_BITS;
import static dev.celadon.vmbus.ring.RingBuffer.READ_INDEX;
import static dev.celadon.vmbus.ring.RingBuffer.WRITE_INDEX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bytes in guest memory, read and written raw by the test, against the layout of struct hv_ring_buffer. */
class RingBufferLayoutTest {
    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void producerWritesTheLinuxLayout() {
        RingFixture f = new RingFixture(2, 1);
        assertEquals(1, f.header(FEATURE_BITS), "feature_bits b0 (pending_send_sz) as Linux sets it");
        RingBuffer rb = RingBuffer.open(f.ring);
        assertEquals(8192, rb.dataSize());
        assertTrue(rb.write(VmPacket.inband(1, 0x1122334455667788L, new byte[] {1, 2, 3})).written());
        assertEquals(32, f.header(WRITE_INDEX), "16 descriptor + 8 data (3 padded) + 8 trailer");
        assertEquals(0, f.header(READ_INDEX));
        ByteBuffer d = le(f.data(0, 32));
        assertEquals(VmPacketType.DATA_INBAND, d.getShort(0));
        assertEquals(2, d.getShort(2), "offset8");
        assertEquals(3, d.getShort(4), "len8");
        assertEquals(1, d.getShort(6), "flags");
        assertEquals(0x1122334455667788L, d.getLong(8));
        assertArrayEquals(new byte[] {1, 2, 3, 0, 0, 0, 0, 0}, f.data(16, 8));
        assertEquals(0, d.getLong(24), "trailer of the packet at 0");
        rb.write(VmPacket.completion(9, new byte[64]));
        assertEquals(32 + 80 + 8, f.header(WRITE_INDEX));
        assertEquals(32L << 32, le(f.data(32 + 80, 8)).getLong(0), "trailer: start index in the high half");
        assertNull(f.accessOutsideRing());
        assertNull(f.poisonDisturbed());
    }

    @Test
    void consumerReadsWhatTheOtherSideWrote() {
        RingFixture f = new RingFixture(1, 2);
        // A GPA-direct packet as storvsc writes it: 16 descriptor + 24 range header (one range, 2 pages) + 64.
        byte[] p = new byte[16 + 24 + 64 + 8];
        ByteBuffer x = le(p);
        x.putShort(0, (short) 9).putShort(2, (short) 5).putShort(4, (short) 13).putShort(6, (short) 1)
                .putLong(8, 42).putInt(20, 1).putInt(24, 5000).putInt(28, 0).putLong(32, 0x77);
        for (int i = 0; i < 64; i++) {
            p[40 + i] = (byte) i;
        }
        f.setData(0, p);
        f.setHeader(WRITE_INDEX, p.length);
        RingBuffer rb = RingBuffer.open(f.ring);
        ReadResult r = rb.read();
        VmPacket q = r.packet();
        assertEquals(9, q.type());
        assertEquals(42, q.transactionId());
        assertTrue(q.completionRequested());
        assertEquals(24, q.extension().length);
        assertEquals(5000, le(q.extension()).getInt(8));
        assertEquals(64, q.data().length);
        assertEquals(63, q.data()[63]);
        assertEquals(p.length, f.header(READ_INDEX), "read_index published after the trailer");
        assertTrue(rb.read().isEmpty());
        assertNull(f.accessOutsideRing());
    }

    @Test
    void packetsWrapAtTheEndOfTheDataArea() {
        RingFixture f = new RingFixture(1, 3);
        // Both indices 16 bytes before the end: the descriptor fits, the data wraps to the start.
        f.setHeader(WRITE_INDEX, 4080);
        f.setHeader(READ_INDEX, 4080);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        byte[] payload = new byte[48];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (0x40 + i);
        }
        assertTrue(producer.write(VmPacket.inband(0, 5, payload)).written());
        assertEquals(6, le(f.data(4080, 8)).getShort(0));
        assertEquals(0x40, f.data(0, 1)[0], "data continues at the start of the data area");
        assertEquals(4080L << 32, le(f.data(48, 8)).getLong(0));
        assertEquals(56, f.header(WRITE_INDEX));
        assertArrayEquals(payload, consumer.read().packet().data());
        assertEquals(56, f.header(READ_INDEX));

        // The descriptor itself split 8 + 8 at the end.
        f.setHeader(WRITE_INDEX, 4088);
        f.setHeader(READ_INDEX, 4088);
        producer = RingBuffer.open(f.ring);
        consumer = RingBuffer.open(f.ring);
        producer.write(VmPacket.inband(0, 0xAABBCCDDEEFF0011L, payload));
        assertEquals(0xAABBCCDDEEFF0011L, le(f.data(0, 8)).getLong(0), "trans_id at the start");
        VmPacket q = consumer.read().packet();
        assertEquals(0xAABBCCDDEEFF0011L, q.transactionId());
        assertArrayEquals(payload, q.data());
        assertNull(f.poisonDisturbed());
    }

    @Test
    void fullIsNeverEmpty() {
        RingFixture f = new RingFixture(1, 4);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        VmPacket p = VmPacket.inband(0, 0, new byte[40]); // 56 bytes, 64 with the trailer
        // Free space must stay strictly larger than 64: 4096 / 64 - 1 packets fit.
        int n = 0;
        while (producer.write(p).written()) {
            n++;
        }
        assertEquals(63, n);
        assertEquals(64, producer.bytesFree());
        assertEquals(63 * 64, consumer.bytesToRead());
        assertTrue(consumer.read().packet() != null);
        assertTrue(producer.write(p).written());
        assertEquals(WriteResult.FULL, producer.write(p));
        for (int i = 0; i < 63; i++) {
            assertEquals(56, consumer.read().packet().encodedLength());
        }
        assertTrue(consumer.read().isEmpty());
        assertEquals(f.header(WRITE_INDEX), f.header(READ_INDEX));
        assertEquals(4096, producer.bytesFree());
    }

    @Test
    void packetSizeLimits() {
        RingFixture f = new RingFixture(1, 5);
        RingBuffer rb = RingBuffer.open(f.ring);
        assertEquals(4096 - 16, rb.maxPacketLength());
        assertTrue(rb.write(VmPacket.inband(0, 0, new byte[rb.maxPacketLength() - 16])).written());
        assertThrows(IllegalArgumentException.class, () -> rb.write(VmPacket.inband(0, 0, new byte[4096 - 24])));
        assertEquals(rb.maxPacketLength(), rb.read().packet().encodedLength());
    }

    @Test
    void ourOwnIndexInSharedMemoryIsNotTrusted() {
        RingFixture f = new RingFixture(1, 6);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        producer.write(VmPacket.inband(0, 1, new byte[8]));
        producer.write(VmPacket.inband(0, 2, new byte[8]));
        // The other side scribbles over the consumer's read_index: the consumer goes on from where it was.
        f.setHeader(READ_INDEX, 4000);
        f.setHeader(RingBuffer.READ_INDEX, 4000);
        assertEquals(1, consumer.read().packet().transactionId());
        assertEquals(32, f.header(READ_INDEX));
        assertEquals(2, consumer.read().packet().transactionId());
    }

    @Test
    void heapBackedGuestMemoryWorksToo() {
        // GuestMemory implementations may hand out heap buffers; ordered index access must work on them.
        RingFixture f = new RingFixture(new DirectGuestMemory(java.util.List.of(
                new dev.celadon.hypervisor.api.MemoryRegion(0, RingFixture.RAM)), RingFixture.POISON, false), 2, 7);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        for (int i = 0; i < 1000; i++) {
            assertTrue(producer.write(VmPacket.inband(0, i, new byte[i % 700])).written());
            VmPacket q = consumer.read().packet();
            assertEquals(i, q.transactionId());
            assertEquals(VmPacket.align8(i % 700), q.data().length);
        }
        assertEquals(f.header(WRITE_INDEX), f.header(READ_INDEX));
        assertNull(f.poisonDisturbed());
    }

    @Test
    void batchedReadPublishesOnceAtTheEnd() {
        RingFixture f = new RingFixture(1, 8);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        for (int i = 0; i < 5; i++) {
            producer.write(VmPacket.inband(0, i, new byte[8])); // 32 bytes each
        }
        java.util.List<Long> seen = new java.util.ArrayList<>();
        ReadBatch b = consumer.readBatch(3, p -> {
            seen.add(p.transactionId());
            assertEquals(0, f.header(READ_INDEX), "not published inside the batch");
        });
        assertEquals(3, b.packets());
        assertEquals(java.util.List.of(0L, 1L, 2L), seen);
        assertEquals(96, f.header(READ_INDEX));
        assertEquals(2, consumer.readBatch(100, p -> seen.add(p.transactionId())).packets());
        assertEquals(160, f.header(READ_INDEX));
        assertEquals(0, consumer.readBatch(100, p -> { }).packets());
    }
}
