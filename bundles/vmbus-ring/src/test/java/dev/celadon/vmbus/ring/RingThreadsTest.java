package dev.celadon.vmbus.ring;

import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer and a consumer thread, each with its own RingBuffer over the same guest memory, exchange packets
 * of seeded random sizes. Each side sleeps only when the rules say it may, and is woken only by the other
 * side's signal decisions (a semaphore stands for the interrupt): a lost wake-up shows as a timeout with work
 * still there, a reordering or a bad split as corrupt data.
 */
class RingThreadsTest {
    private static final int PACKETS = 20_000;
    private static final long SEED = 0x5EED;

    private static byte[] payload(Random sizes, long n) {
        byte[] b = new byte[sizes.nextInt(16) == 0 ? 0 : sizes.nextInt(3000)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (n * 31 + i * 7);
        }
        return b;
    }

    private static byte[] extension(long n) {
        byte[] x = new byte[(int) (n % 3) * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = (byte) (n + i);
        }
        return x;
    }

    private static void check(VmPacket p, long n, Random sizes) {
        assertEquals(n, p.transactionId());
        assertEquals(n % 3 == 0 ? VmPacketType.DATA_INBAND : VmPacketType.DATA_USING_GPA_DIRECT, p.type());
        assertEquals((int) (n & 1), p.flags());
        assertArrayEquals(extension(n), p.extension());
        byte[] want = payload(sizes, n);
        byte[] got = p.data();
        assertEquals(VmPacket.align8(want.length), got.length);
        assertArrayEquals(want, java.util.Arrays.copyOf(got, want.length), "packet " + n);
    }

    @ParameterizedTest(name = "{0}, batched reads {1}")
    @CsvSource({"UNMASKED,false", "EMPTY_TO_NON_EMPTY,false", "UNMASKED,true", "EMPTY_TO_NON_EMPTY,true"})
    void producerAndConsumerThreads(SignalPolicy policy, boolean batched) throws Exception {
        RingFixture f = new RingFixture(4, 20); // 16 KiB of data over scattered pages
        RingBuffer producer = RingBuffer.open(f.ring, policy);
        RingBuffer consumer = RingBuffer.open(f.ring);
        Semaphore readerIrq = new Semaphore(0);
        Semaphore writerIrq = new Semaphore(0);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong bytes = new AtomicLong();
        AtomicLong fulls = new AtomicLong();
        AtomicLong readerSleeps = new AtomicLong();

        Thread writer = new Thread(() -> {
            try {
                Random sizes = new Random(SEED);
                for (long n = 0; n < PACKETS; n++) {
                    VmPacket p = new VmPacket(n % 3 == 0 ? VmPacketType.DATA_INBAND : VmPacketType.DATA_USING_GPA_DIRECT,
                            (int) (n & 1), n, extension(n), payload(sizes, n));
                    WriteResult r;
                    while (!(r = producer.write(p)).written()) {
                        fulls.incrementAndGet();
                        if (!producer.requestSpace(p.encodedLength())) {
                            if (!writerIrq.tryAcquire(5, TimeUnit.SECONDS)) {
                                throw new AssertionError("writer never signalled; free " + producer.bytesFree()
                                        + " for a packet of " + p.encodedLength());
                            }
                        }
                    }
                    producer.clearSpaceRequest();
                    bytes.addAndGet(p.encodedLength() + 8);
                    if (r.signalReader()) {
                        readerIrq.release();
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "ring-producer");

        Thread reader = new Thread(() -> {
            try {
                Random sizes = new Random(SEED);
                long n = 0;
                while (n < PACKETS) {
                    consumer.maskInterrupts();
                    if (batched) {
                        ReadBatch b;
                        do {
                            long first = n;
                            long[] next = {n};
                            b = consumer.readBatch(1 + (int) (n % 7), p -> check(p, next[0]++, sizes));
                            n = next[0];
                            assertEquals(n - first, b.packets());
                            if (b.signalWriter()) {
                                writerIrq.release();
                            }
                        } while (b.packets() > 0);
                    } else {
                        ReadResult r;
                        while (!(r = consumer.read()).isEmpty()) {
                            check(r.packet(), n, sizes);
                            if (r.signalWriter()) {
                                writerIrq.release();
                            }
                            n++;
                        }
                    }
                    if (n < PACKETS && !consumer.unmaskInterrupts()) {
                        readerSleeps.incrementAndGet();
                        if (!readerIrq.tryAcquire(5, TimeUnit.SECONDS)) {
                            throw new AssertionError("reader never signalled at packet " + n + ", "
                                    + consumer.bytesToRead() + " bytes waiting");
                        }
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "ring-consumer");

        writer.start();
        reader.start();
        writer.join(60_000);
        reader.join(60_000);
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertTrue(!writer.isAlive() && !reader.isAlive());
        assertEquals(f.header(RingBuffer.WRITE_INDEX), f.header(RingBuffer.READ_INDEX), "drained");
        // Both ways of waiting were exercised, and the data wrapped many times.
        assertTrue(fulls.get() > 0, "ring never full");
        assertTrue(readerSleeps.get() > 0, "reader never slept");
        assertTrue(bytes.get() > 100L * f.dataSize(), "wrapped " + bytes.get() / f.dataSize() + " times");
        assertNull(f.accessOutsideRing());
        assertNull(f.poisonDisturbed());
        System.out.printf("ring threads, %s, batched %s: %d packets, %d MB, %d times full, reader slept %d times%n", policy, batched, PACKETS,
                bytes.get() >> 20, fulls.get(), readerSleeps.get());
    }
}
