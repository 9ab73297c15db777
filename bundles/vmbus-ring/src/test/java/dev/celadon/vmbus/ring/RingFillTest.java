package dev.celadon.vmbus.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.vmbus.VmPacket;
import org.junit.jupiter.api.Test;

/** {@link RingBuffer#fill()}: what vmbus:channels shows, from the shared header, validated, state untouched. */
class RingFillTest {

    @Test
    void fillFollowsTheIndicesAndFlagsBadOnesWithoutThrowing() {
        RingFixture f = new RingFixture(2, 7);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        RingFill empty = producer.fill();
        assertEquals(new RingFill(8192, 0, 0, 0, 0, 0, null), empty);
        assertEquals("0/8192", empty.toString());

        VmPacket p = VmPacket.inband(0, 1, new byte[100]); // 16 + 104 + trailer 8 = 128 bytes in the ring
        assertTrue(producer.write(p).written());
        assertTrue(producer.write(p).written());
        RingFill two = consumer.fill();
        assertEquals(256, two.used());
        assertEquals(256, two.writeIndex());
        assertEquals(0, two.readIndex());
        assertTrue(consumer.read().packet() != null);
        assertEquals(128, producer.fill().used());
        consumer.maskInterrupts();
        assertEquals(1, producer.fill().interruptMask());

        // A wrapped ring: write index behind the read index.
        f.setHeader(RingBuffer.WRITE_INDEX, 64);
        f.setHeader(RingBuffer.READ_INDEX, 8000);
        assertEquals(8192 - 8000 + 64, consumer.fill().used());

        // The guest writes junk: reported, not thrown, and the ring ends' own state is unchanged.
        f.setHeader(RingBuffer.WRITE_INDEX, -8);
        RingFill bad = consumer.fill();
        assertFalse(bad.valid());
        assertEquals(-1, bad.used());
        assertEquals(4294967288L, bad.writeIndex());
        assertEquals("invalid: write_index 4294967288 is beyond the ring's 8192 data bytes", bad.toString());
        f.setHeader(RingBuffer.WRITE_INDEX, 256);
        f.setHeader(RingBuffer.READ_INDEX, 12);
        assertEquals("read_index 12 is not a multiple of 8", consumer.fill().problem());
        f.setHeader(RingBuffer.READ_INDEX, 128);
        assertNull(consumer.fill().problem());
        assertTrue(consumer.read().packet() != null, "the consumer's state was not disturbed by fill()");
    }
}
