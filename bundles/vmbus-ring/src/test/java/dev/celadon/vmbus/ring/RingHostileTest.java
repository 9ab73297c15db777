package dev.celadon.vmbus.ring;

import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.ring.RingBufferException.Violation;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import static dev.celadon.vmbus.ring.RingBuffer.READ_INDEX;
import static dev.celadon.vmbus.ring.RingBuffer.WRITE_INDEX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile other side: every bad index, length and offset named in the brief, each set up raw in guest memory
 * around which everything is poisoned. Each must raise RingBufferException with the right violation and a
 * reason naming the value, consume nothing, touch no page outside the ring and write nothing outside it.
 */
class RingHostileTest {
    private static final int DATA = 4096;

    private static byte[] descriptor(int type, int offset8, int len8) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putShort((short) type)
                .putShort((short) offset8).putShort((short) len8).putShort((short) 0).putLong(7).array();
    }

    /** The consumer's view: the test writes {@code packet} at 0 and publishes {@code writeIndex}. */
    private static void consumerRefuses(Violation v, String reason, byte[] packet, int writeIndex) {
        RingFixture f = new RingFixture(1, writeIndex * 31L + v.ordinal());
        RingBuffer consumer = RingBuffer.open(f.ring);
        f.setData(0, packet);
        f.setHeader(WRITE_INDEX, writeIndex);
        for (int attempt = 0; attempt < 2; attempt++) { // refused again, the same way: nothing was consumed
            RingBufferException e = assertThrows(RingBufferException.class, consumer::read);
            assertEquals(v, e.violation(), e.getMessage());
            assertTrue(e.getMessage().contains(reason), e.getMessage());
            assertEquals(0, f.header(READ_INDEX));
        }
        clean(f);
    }

    private static void clean(RingFixture f) {
        assertNull(f.accessOutsideRing());
        assertNull(f.poisonDisturbed());
    }

    private static void openRefuses(Violation v, String reason, Consumer<RingFixture> setup) {
        RingFixture f = new RingFixture(1, reason.hashCode());
        setup.accept(f);
        RingBufferException e = assertThrows(RingBufferException.class, () -> RingBuffer.open(f.ring));
        assertEquals(v, e.violation(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        clean(f);
    }

    @Test
    void indicesFoundAtOpen() {
        openRefuses(Violation.INDEX_OUT_OF_RANGE, "write_index 4096 is beyond the ring's 4096",
                f -> f.setHeader(WRITE_INDEX, DATA));
        openRefuses(Violation.INDEX_OUT_OF_RANGE, "write_index 4294967288",
                f -> f.setHeader(WRITE_INDEX, -8));
        openRefuses(Violation.INDEX_OUT_OF_RANGE, "read_index 2147483648",
                f -> f.setHeader(READ_INDEX, Integer.MIN_VALUE));
        openRefuses(Violation.INDEX_MISALIGNED, "read_index 12 is not a multiple of 8",
                f -> f.setHeader(READ_INDEX, 12));
        openRefuses(Violation.INDEX_MISALIGNED, "write_index 4095", f -> f.setHeader(WRITE_INDEX, 4095));
    }

    @Test
    void ringPagesMustBeHeaderAndData() {
        RingFixture f = new RingFixture(1, 1);
        RingBufferException e = assertThrows(RingBufferException.class,
                () -> RingBuffer.open(f.ring.slice(0, 4096)));
        assertEquals(Violation.LAYOUT, e.violation());
        e = assertThrows(RingBufferException.class, () -> RingBuffer.open(f.ring.slice(8, 4096)));
        assertEquals(Violation.LAYOUT, e.violation());
        // A GPADL whose buffer starts inside its first page cannot carry a ring.
        e = assertThrows(RingBufferException.class, () -> RingBuffer.open(
                Gpadl.of(new long[] {f.pfns[0], f.pfns[1], 99}, 8, 8192).memory(f.memory)));
        assertEquals(Violation.LAYOUT, e.violation());
    }

    @Test
    void writeIndexOutOfRangeOrMisaligned() {
        consumerRefuses(Violation.INDEX_OUT_OF_RANGE, "write_index 4104 is beyond", new byte[0], DATA + 8);
        consumerRefuses(Violation.INDEX_OUT_OF_RANGE, "write_index 4294967288", new byte[0], -8);
        consumerRefuses(Violation.INDEX_MISALIGNED, "write_index 20 is not a multiple of 8", new byte[0], 20);
        consumerRefuses(Violation.INDEX_MISALIGNED, "write_index 1", new byte[0], 1);
    }

    @Test
    void publishedBytesShorterThanAPacket() {
        consumerRefuses(Violation.TRUNCATED_PACKET, "only 8 bytes published", descriptor(6, 2, 2), 8);
        consumerRefuses(Violation.TRUNCATED_PACKET, "only 16 bytes", descriptor(6, 2, 2), 16);
    }

    @Test
    void descriptorLengthAndOffset() {
        consumerRefuses(Violation.LENGTH_TOO_SHORT, "len8 0", descriptor(6, 2, 0), 64);
        consumerRefuses(Violation.LENGTH_TOO_SHORT, "len8 1", descriptor(6, 0, 1), 64);
        consumerRefuses(Violation.BAD_OFFSET, "offset8 0 with len8 4: its data would start inside the descriptor",
                descriptor(6, 0, 4), 64);
        consumerRefuses(Violation.BAD_OFFSET, "offset8 1", descriptor(6, 1, 4), 64);
        consumerRefuses(Violation.BAD_OFFSET, "offset8 5 with len8 4: its data would start past its end",
                descriptor(6, 5, 4), 64);
        consumerRefuses(Violation.BAD_OFFSET, "offset8 65535", descriptor(6, 0xFFFF, 7), 64);
    }

    @Test
    void packetLongerThanWhatWasPublished() {
        // 64 bytes published: a len8 of 8 is 64 bytes, but the trailer makes 72.
        consumerRefuses(Violation.PACKET_PAST_WRITE_INDEX, "len8 8 (72 bytes with trailer), but only 64",
                descriptor(6, 2, 8), 64);
        consumerRefuses(Violation.PACKET_PAST_WRITE_INDEX, "len8 65535", descriptor(6, 2, 0xFFFF), 64);
        consumerRefuses(Violation.PACKET_PAST_WRITE_INDEX, "len8 512", descriptor(6, 2, 512), 4088);
    }

    @Test
    void packetLengthPastTheWriteIndexAcrossTheWrap() {
        RingFixture f = new RingFixture(1, 77);
        f.setHeader(READ_INDEX, 4088);
        f.setHeader(WRITE_INDEX, 4088);
        RingBuffer consumer = RingBuffer.open(f.ring);
        f.setData(4088, descriptor(6, 2, 6)); // split over the end; 48 + 8 bytes claimed
        f.setHeader(WRITE_INDEX, 40);          // 48 published
        RingBufferException e = assertThrows(RingBufferException.class, consumer::read);
        assertEquals(Violation.PACKET_PAST_WRITE_INDEX, e.violation());
        assertTrue(e.getMessage().contains("only 48 bytes"), e.getMessage());
        clean(f);
    }

    @Test
    void writeIndexMovingBackwards() {
        RingFixture f = new RingFixture(1, 78);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        VmPacket p = VmPacket.inband(0, 0, new byte[8]); // 32 bytes with the trailer
        for (int i = 0; i < 3; i++) {
            producer.write(p);
        }
        consumer.read();
        f.setHeader(WRITE_INDEX, 64); // the writer takes back the third packet the reader has seen
        RingBufferException e = assertThrows(RingBufferException.class, consumer::read);
        assertEquals(Violation.INDEX_REWOUND, e.violation());
        assertTrue(e.getMessage().contains("write_index moved from 96 to 64"), e.getMessage());
        assertEquals(32, f.header(READ_INDEX));
        clean(f);
    }

    @Test
    void readIndexOutOfRangeMisalignedOrRewound() {
        producerRefuses(Violation.INDEX_OUT_OF_RANGE, "read_index 4096 is beyond", DATA);
        producerRefuses(Violation.INDEX_OUT_OF_RANGE, "read_index 4294967295", -1);
        producerRefuses(Violation.INDEX_MISALIGNED, "read_index 4 is not a multiple of 8", 4);
        // Past what was written (64): the reader claims to have read bytes nobody wrote.
        producerRefuses(Violation.INDEX_REWOUND, "read_index moved from 0 to 128, backwards or past write_index 64", 128);
        producerRefuses(Violation.INDEX_REWOUND, "read_index moved from 0 to 4088", 4088);

        // Backwards: the reader had consumed up to 64, then moves back to 32.
        RingFixture f = new RingFixture(1, 79);
        RingBuffer producer = RingBuffer.open(f.ring);
        VmPacket p = VmPacket.inband(0, 0, new byte[8]);
        producer.write(p);
        producer.write(p);
        f.setHeader(READ_INDEX, 64);
        producer.write(p);
        f.setHeader(READ_INDEX, 32);
        RingBufferException e = assertThrows(RingBufferException.class, () -> producer.write(p));
        assertEquals(Violation.INDEX_REWOUND, e.violation());
        assertTrue(e.getMessage().contains("read_index moved from 64 to 32"), e.getMessage());
        assertEquals(96, f.header(WRITE_INDEX), "nothing written");
        clean(f);
    }

    private static void producerRefuses(Violation v, String reason, int readIndex) {
        RingFixture f = new RingFixture(1, readIndex);
        RingBuffer producer = RingBuffer.open(f.ring);
        VmPacket p = VmPacket.inband(0, 0, new byte[8]);
        producer.write(p);
        producer.write(p);
        f.setHeader(READ_INDEX, readIndex);
        for (int attempt = 0; attempt < 2; attempt++) {
            RingBufferException e = assertThrows(RingBufferException.class, () -> producer.write(p));
            assertEquals(v, e.violation(), e.getMessage());
            assertTrue(e.getMessage().contains(reason), e.getMessage());
            assertEquals(64, f.header(WRITE_INDEX), "nothing written");
        }
        assertThrows(RingBufferException.class, () -> producer.requestSpace(8));
        assertThrows(RingBufferException.class, producer::bytesFree);
        clean(f);
    }

    @Test
    void batchStopsAtABadPacketAfterPublishingTheGoodOnes() {
        RingFixture f = new RingFixture(1, 80);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        VmPacket p = VmPacket.inband(0, 0, new byte[8]); // 32 bytes each
        for (int i = 0; i < 3; i++) {
            producer.write(p);
        }
        f.setData(64, descriptor(6, 3, 2)); // the third: offset8 past len8
        int[] taken = {0};
        RingBufferException e = assertThrows(RingBufferException.class,
                () -> consumer.readBatch(10, q -> taken[0]++));
        assertEquals(Violation.BAD_OFFSET, e.violation());
        assertEquals(2, taken[0]);
        assertEquals(64, f.header(READ_INDEX), "the two good packets are consumed, the bad one is not");
        clean(f);
    }
}
