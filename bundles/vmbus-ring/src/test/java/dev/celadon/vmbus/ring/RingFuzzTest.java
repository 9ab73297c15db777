package dev.celadon.vmbus.ring;

import dev.celadon.test.support.DirectGuestMemory;

import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.ring.RingBufferException.Violation;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded fuzzing of the ring as a hostile peer would drive it: legitimate traffic, then random damage to the
 * shared header (indices, mask, pending size, feature bits) and to packet descriptors and data, then more
 * traffic from both ends. The only exception allowed is RingBufferException; every packet handed out must lie
 * within what was published; no access may leave the ring's pages and nothing outside them may change.
 * Rounds: system property {@code vmbus.ring.fuzz.count} (default 20,000, the suite's), seed
 * {@code vmbus.ring.fuzz.seed}; bench/fuzz.sh runs millions.
 */
class RingFuzzTest {
    /**
     * Rounds per memory: the test memory records every access, so a long run checks the accesses and the
     * poison and starts a fresh memory (with the same rings) every EPOCH rounds rather than keeping them all.
     */
    static final int EPOCH = 20_000;

    @Test
    void hostilePeerFuzz() {
        long count = Long.getLong("vmbus.ring.fuzz.count", 20_000);
        long seed = Long.getLong("vmbus.ring.fuzz.seed", 0xF022);
        Random rnd = new Random(seed);
        Set<Violation> seen = EnumSet.noneOf(Violation.class);
        java.util.TreeMap<Violation, Long> byViolation = new java.util.TreeMap<>();
        long packets = 0;
        long t0 = System.nanoTime();
        DirectGuestMemory memory = null;
        RingFixture[] rings = null;
        for (long round = 0; round < count; round++) {
            if (round % EPOCH == 0) {
                if (memory != null) {
                    checkConfined(memory, rings);
                }
                memory = DirectGuestMemory.of(RingFixture.RAM, RingFixture.POISON);
                rings = new RingFixture[] {new RingFixture(memory, 1, 1), new RingFixture(memory, 2, 2),
                    new RingFixture(memory, 3, 3)};
            }
            RingFixture f = rings[(int) (round % rings.length)];
            RingBuffer.initialize(f.ring);
            int size = f.dataSize();
            // Start anywhere (aligned), as a ring that has been running a while.
            int start = rnd.nextInt(size / 8) * 8;
            f.setHeader(RingBuffer.WRITE_INDEX, start);
            f.setHeader(RingBuffer.READ_INDEX, start);
            try {
                RingBuffer producer = RingBuffer.open(f.ring);
                RingBuffer consumer = RingBuffer.open(f.ring);
                for (int op = 0; op < 12; op++) {
                    int what = rnd.nextInt(10);
                    if (what < 4) {
                        byte[] data = new byte[rnd.nextInt(Math.min(600, producer.maxPacketLength() - 16))];
                        producer.write(new VmPacket(rnd.nextInt(14), rnd.nextInt(2), op, new byte[rnd.nextInt(3) * 8], data));
                    } else if (what < 6 && rnd.nextBoolean()) {
                        int before = consumer.bytesToRead();
                        long[] bytes = {0};
                        ReadBatch b = consumer.readBatch(1 + rnd.nextInt(4), q -> bytes[0] += q.encodedLength() + 8);
                        packets += b.packets();
                        assertTrue(bytes[0] <= before, "batch beyond what was published");
                    } else if (what < 7) {
                        int before = consumer.bytesToRead();
                        ReadResult r = consumer.read();
                        if (!r.isEmpty()) {
                            packets++;
                            assertTrue(r.packet().encodedLength() + 8 <= before, "packet beyond what was published");
                        }
                    } else if (what < 9) {
                        damage(f, rnd, size);
                    } else {
                        // Reopen over the damaged header, as after a channel reopen.
                        producer = RingBuffer.open(f.ring);
                        consumer = RingBuffer.open(f.ring);
                    }
                    if (rnd.nextInt(4) == 0) {
                        consumer.maskInterrupts();
                        consumer.unmaskInterrupts();
                        producer.requestSpace(rnd.nextInt(4096));
                    }
                }
            } catch (RingBufferException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                seen.add(e.violation());
                byViolation.merge(e.violation(), 1L, Long::sum);
            }
        }
        checkConfined(memory, rings);
        // The fuzzer must have reached every check a peer can trip, and still moved real traffic.
        assertEquals(EnumSet.complementOf(EnumSet.of(Violation.LAYOUT)), seen);
        assertTrue(packets > count, "packets read " + packets);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("ring fuzz: seed %d, %d rounds, %d packets read, %d violations %s, host failures 0,"
                + " %d ms (%.0f rounds/s)%n", seed, count, packets, byViolation.values().stream()
                .mapToLong(Long::longValue).sum(), byViolation, ms, count * 1000.0 / Math.max(1, ms));
    }

    /** Every access the rings made lies in one of their pages, and the poison outside them is intact. */
    private static void checkConfined(DirectGuestMemory memory, RingFixture[] rings) {
        for (long[] a : memory.accesses()) {
            for (long pfn = a[0] / 4096; pfn <= (a[0] + Math.max(a[1], 1) - 1) / 4096; pfn++) {
                assertTrue(rings[0].isRingPage(pfn) || rings[1].isRingPage(pfn) || rings[2].isRingPage(pfn),
                        String.format("access 0x%x+%d outside the rings", a[0], a[1]));
            }
        }
        // Poison survives outside all three rings' pages.
        byte[] all = memory.peek(0, (int) RingFixture.RAM);
        for (int i = 0; i < all.length; i++) {
            long pfn = i / 4096;
            if (!rings[0].isRingPage(pfn) && !rings[1].isRingPage(pfn) && !rings[2].isRingPage(pfn)) {
                int at = i;
                assertEquals(RingFixture.POISON, all[i], () -> String.format("byte 0x%x outside the rings", at));
            }
        }
    }

    /** A nearby index: a few packets' worth either way, sometimes off the 8-byte grid. */
    private static int step(Random rnd) {
        return (rnd.nextInt(9) - 4) * (rnd.nextInt(4) == 0 ? 1 : 8);
    }

    private static void damage(RingFixture f, Random rnd, int size) {
        switch (rnd.nextInt(8)) {
            case 0 -> f.setHeader(RingBuffer.WRITE_INDEX, rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(size / 8) * 8);
            case 1 -> f.setHeader(RingBuffer.READ_INDEX, rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(size / 8) * 8);
            case 2 -> f.setHeader(RingBuffer.WRITE_INDEX, (int) f.header(RingBuffer.WRITE_INDEX) + step(rnd));
            case 3 -> f.setHeader(RingBuffer.READ_INDEX, (int) f.header(RingBuffer.READ_INDEX) + step(rnd));
            case 4 -> f.setHeader(rnd.nextBoolean() ? RingBuffer.INTERRUPT_MASK : RingBuffer.PENDING_SEND_SIZE, rnd.nextInt());
            case 5 -> f.setHeader(RingBuffer.FEATURE_BITS, rnd.nextInt());
            case 6 -> {
                // The next unread descriptor's offset8 / len8.
                long at = f.header(RingBuffer.READ_INDEX);
                byte[] d = f.data(at, 16);
                int field = 2 + 2 * rnd.nextInt(2);
                int v = rnd.nextInt(4) == 0 ? rnd.nextInt(65536) : rnd.nextInt(16);
                d[field] = (byte) v;
                d[field + 1] = (byte) (v >>> 8);
                f.setData(at, d);
            }
            default -> {
                byte[] junk = new byte[1 + rnd.nextInt(32)];
                rnd.nextBytes(junk);
                f.setData(rnd.nextInt(size), junk);
            }
        }
    }
}
