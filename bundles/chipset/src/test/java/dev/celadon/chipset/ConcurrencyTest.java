package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Several threads delivering at once: nothing lost, no deadlock, wake-ups not missed. */
class ConcurrencyTest {

    private static Thread start(String name, Runnable body, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void concurrentAcceptsSetEveryIrrBit() throws Exception {
        Cpu cpu = Cpu.bus(new ApicBus(new TestClock()), 1)[0].enable();
        cpu.write(0x80, 0xF0); // hold everything in IRR
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = 16 + t;
            all.add(start("sender" + t, () -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int round = 0; round < 100; round++) {
                    for (int v = first; v < 256; v += threads) {
                        cpu.apic.accept(v, (v & 1) != 0);
                    }
                }
            }, failure));
        }
        go.countDown();
        for (Thread t : all) {
            t.join();
        }
        assertEquals(null, failure.get());
        int[] irr = new int[8];
        int[] tmr = new int[8];
        for (int i = 0; i < 8; i++) {
            irr[i] = cpu.read(0x200 + 0x10 * i);
            tmr[i] = cpu.read(0x180 + 0x10 * i);
        }
        assertArrayEquals(new int[] {0xFFFF_0000, -1, -1, -1, -1, -1, -1, -1}, irr);
        assertArrayEquals(new int[] {0xAAAA_0000, 0xAAAA_AAAA, 0xAAAA_AAAA, 0xAAAA_AAAA, 0xAAAA_AAAA,
            0xAAAA_AAAA, 0xAAAA_AAAA, 0xAAAA_AAAA}, tmr, "odd vectors level-triggered");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void deliveriesFromSeveralThreadsToOneProcessorAreAllTaken() throws Exception {
        int senders = 4;
        int perSender = 2_000;
        Cpu cpu = Cpu.bus(new ApicBus(new TestClock()), 1)[0].enable();
        int[] vectors = {0x31, 0x52, 0x53, 0xE0};
        int[] taken = new int[256];
        AtomicReference<Throwable> failure = new AtomicReference<>();

        // The vCPU: takes interrupts while any is deliverable, otherwise halts until its APIC wakes it.
        Thread vcpu = start("vcpu", () -> {
            int total = 0;
            while (total < senders * perSender) {
                int v = cpu.apic.acknowledge();
                if (v < 0) {
                    LockSupport.park(); // a lost wake-up hangs here and the timeout fails the test
                    continue;
                }
                taken[v]++;
                total++;
                cpu.write(0xB0, 0);
            }
        }, failure);
        cpu.onWake = () -> LockSupport.unpark(vcpu);

        List<Thread> all = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int vector = vectors[s];
            all.add(start("device" + s, () -> {
                // One interrupt in flight per device, so the IRR never coalesces two and the count is exact.
                Semaphore ended = new Semaphore(1);
                for (int i = 0; i < perSender; i++) {
                    ended.acquireUninterruptibly();
                    cpu.apic.accept(vector, false, ended::release);
                }
            }, failure));
        }
        for (Thread t : all) {
            t.join();
        }
        vcpu.join();
        assertEquals(null, failure.get());
        for (int v : vectors) {
            assertEquals(perSender, taken[v], "vector 0x" + Integer.toHexString(v));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void twoProcessorsIpiEachOtherAtOnce() throws Exception {
        int count = 5_000;
        Cpu[] cpus = Cpu.bus(new ApicBus(new TestClock()), 2);
        cpus[0].enable();
        cpus[1].enable();
        AtomicInteger[] received = {new AtomicInteger(), new AtomicInteger()};
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int me = 0; me < 2; me++) {
            Cpu self = cpus[me];
            int peer = 1 - me;
            AtomicInteger mine = received[me];
            AtomicInteger theirs = received[peer];
            int vector = 0x40 + me;
            all.add(start("vcpu" + me, () -> {
                int sent = 0;
                while (sent < count || mine.get() < count) {
                    if (sent < count && theirs.get() == sent) {
                        self.write(0x310, peer << 24);
                        self.write(0x300, vector); // fixed IPI through the ICR, as the guest does
                        sent++;
                    }
                    int v = self.apic.acknowledge();
                    if (v >= 0) {
                        if (v != 0x40 + peer) {
                            throw new AssertionError("unexpected vector " + v);
                        }
                        mine.incrementAndGet();
                        self.write(0xB0, 0);
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }, failure));
        }
        for (Thread t : all) {
            t.join();
        }
        assertEquals(null, failure.get());
        assertEquals(count, received[0].get());
        assertEquals(count, received[1].get());
    }
}
