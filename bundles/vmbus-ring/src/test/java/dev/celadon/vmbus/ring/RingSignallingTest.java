package dev.celadon.vmbus.ring;

import dev.celadon.vmbus.VmPacket;
import org.junit.jupiter.api.Test;

import static dev.celadon.vmbus.ring.RingBuffer.FEATURE_BITS;
import static dev.celadon.vmbus.ring.RingBuffer.INTERRUPT_MASK;
import static dev.celadon.vmbus.ring.RingBuffer.PENDING_SEND_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The signalling decisions against the rules of the reference (§7): the guest (Linux's rule as a writer) signals
 * only if the reader's interrupt_mask is 0 and the ring was empty before its write; the host signals whenever
 * the mask is 0; the reader signals the writer on the read that
 * takes the free space from at most pending_send_sz to more than it.
 */
class RingSignallingTest {
    private static final VmPacket P64 = VmPacket.inband(0, 0, new byte[40]); // 56 bytes + 8 trailer

    @Test
    void hostRuleSignalsEveryWriteWhileUnmasked() {
        RingFixture f = new RingFixture(1, 9);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        assertEquals(SignalPolicy.UNMASKED, producer.signalPolicy());
        assertEquals(WriteResult.WRITTEN_SIGNAL, producer.write(P64));
        assertEquals(WriteResult.WRITTEN_SIGNAL, producer.write(P64), "unread packets do not matter");
        consumer.maskInterrupts();
        assertEquals(WriteResult.WRITTEN, producer.write(P64), "masked: the reader polls");
        assertTrue(consumer.unmaskInterrupts());
        consumer.read();
        assertEquals(WriteResult.WRITTEN_SIGNAL, producer.write(P64));
    }

    @Test
    void linuxRuleSignalsOnlyAnUnmaskedReaderOfAnEmptyRing() {
        RingFixture f = new RingFixture(1, 10);
        RingBuffer producer = RingBuffer.open(f.ring, SignalPolicy.EMPTY_TO_NON_EMPTY);
        RingBuffer consumer = RingBuffer.open(f.ring);
        assertEquals(WriteResult.WRITTEN_SIGNAL, producer.write(P64), "empty ring, mask 0");
        assertEquals(WriteResult.WRITTEN, producer.write(P64), "the reader has not read the first yet");
        consumer.read();
        assertEquals(WriteResult.WRITTEN, producer.write(P64), "one unread packet left");
        consumer.read();
        consumer.read();
        assertEquals(WriteResult.WRITTEN_SIGNAL, producer.write(P64), "emptied again");

        consumer.read();
        consumer.maskInterrupts();
        assertEquals(1, f.header(INTERRUPT_MASK));
        assertTrue(consumer.interruptsMasked());
        assertEquals(WriteResult.WRITTEN, producer.write(P64), "masked: the reader polls");
        // Unmasking looks again: the packet written under the mask brought no signal, so read on.
        assertTrue(consumer.unmaskInterrupts());
        assertEquals(0, f.header(INTERRUPT_MASK));
        consumer.read();
        assertFalse(consumer.unmaskInterrupts(), "nothing left: the reader may sleep");
        // A mask set by the other side in shared memory counts the same way.
        f.setHeader(INTERRUPT_MASK, 0x80000000);
        assertEquals(WriteResult.WRITTEN, producer.write(P64));
    }

    @Test
    void readerSignalsTheWriterWhenPendingSendSizeIsReached() {
        RingFixture f = new RingFixture(1, 11);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        while (producer.write(P64).written()) {
            // fill: 63 packets, 64 bytes free
        }
        VmPacket big = VmPacket.inband(0, 0, new byte[200]); // 216 + 8 = 224 bytes needed
        assertEquals(WriteResult.FULL, producer.write(big));
        assertFalse(producer.requestSpace(big.encodedLength()));
        assertEquals(224, f.header(PENDING_SEND_SIZE));
        int free = 64;
        for (int i = 0; i < 10; i++) {
            boolean signal = consumer.read().signalWriter();
            int before = free;
            free += 64;
            // The rule, computed here: free before <= pending < free after.
            assertEquals(before <= 224 && free > 224, signal, "read " + i + ", free " + before + " -> " + free);
        }
        assertTrue(producer.write(big).written());
        producer.clearSpaceRequest();
        assertEquals(0, f.header(PENDING_SEND_SIZE));
        for (int i = 0; i < 5; i++) {
            assertFalse(consumer.read().signalWriter(), "no request, no signal");
        }
    }

    @Test
    void noPendingSendSignalWithoutTheFeatureBit() {
        RingFixture f = new RingFixture(1, 12);
        f.setHeader(FEATURE_BITS, 0);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        while (producer.write(P64).written()) {
            // fill
        }
        assertFalse(producer.requestSpace(100));
        for (int i = 0; i < 63; i++) {
            assertFalse(consumer.read().signalWriter());
        }
    }

    @Test
    void requestSpaceSeesSpaceFreedBeforeTheRequest() {
        RingFixture f = new RingFixture(1, 13);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        while (producer.write(P64).written()) {
            // fill
        }
        consumer.read();
        consumer.read();
        // 192 bytes free now, more than the 64 + 8 a small packet needs: no need to wait for a signal.
        assertTrue(producer.requestSpace(P64.encodedLength()));
        // A huge pending_send_sz from a hostile writer only means it never gets its signal.
        f.setHeader(PENDING_SEND_SIZE, -1);
        assertFalse(consumer.read().signalWriter());
    }

    @Test
    void batchedReadSignalsOnceForAllItFreed() {
        RingFixture f = new RingFixture(1, 14);
        RingBuffer producer = RingBuffer.open(f.ring);
        RingBuffer consumer = RingBuffer.open(f.ring);
        while (producer.write(P64).written()) {
            // fill: 64 bytes free
        }
        assertFalse(producer.requestSpace(200)); // pending 208
        // Two packets (free 64 -> 192): not yet. Two more (192 -> 320): crosses 208, one signal.
        ReadBatch b = consumer.readBatch(2, p -> { });
        assertEquals(2, b.packets());
        assertFalse(b.signalWriter());
        b = consumer.readBatch(2, p -> { });
        assertTrue(b.signalWriter());
        assertFalse(consumer.readBatch(10, p -> { }).signalWriter(), "already past the request");
    }
}
