package dev.celadon.vmbus.ring;

import dev.celadon.test.support.DirectGuestMemory;

import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.GpadlMemory;
import dev.celadon.vmbus.VmPacket;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Ring throughput, not a test: a producer and a consumer thread over one ring in direct-buffer guest memory
 * (scattered pages), spinning instead of signalling, against plain memory copies of the same bytes.
 * Run: {@code java -cp <test classpath> dev.celadon.vmbus.ring.RingBenchmark [seconds]}.
 */
public final class RingBenchmark {
    private RingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        System.out.printf("java %s, %d CPUs%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        // Round 0 warms up the JIT; the machine is shared, so each figure is printed for rounds 1..3 and the
        // best of them is the one to quote.
        for (int round = 0; round < 4; round++) {
            boolean print = round > 0;
            if (print) {
                System.out.println("-- round " + round);
            }
            for (int ringKiB : new int[] {128, 1024}) {
                threads(ringKiB, 64, false, seconds, print);
                threads(ringKiB, 64, true, seconds, print);
                threads(ringKiB, 64 * 1024, false, seconds, print);
            }
            singleThread(1024, 64, seconds, print);
            singleThread(1024, 64 * 1024, seconds, print);
            copies(64, seconds, print);
            copies(64 * 1024, seconds, print);
        }
    }

    private static GpadlMemory ring(DirectGuestMemory mem, int dataKiB) {
        List<Long> pages = new ArrayList<>();
        for (long p = 0; p < mem.size() / 4096; p++) {
            pages.add(p);
        }
        Collections.shuffle(pages, new Random(1));
        long[] pfns = new long[1 + dataKiB / 4];
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = pages.get(i);
        }
        GpadlMemory ring = Gpadl.ofPages(pfns).memory(mem);
        RingBuffer.initialize(ring);
        return ring;
    }

    private static void threads(int ringKiB, int payload, boolean batched, double seconds, boolean print)
            throws Exception {
        DirectGuestMemory mem = DirectGuestMemory.of(8 << 20, (byte) 0);
        GpadlMemory ring = ring(mem, ringKiB);
        RingBuffer producer = RingBuffer.open(ring);
        RingBuffer consumer = RingBuffer.open(ring);
        VmPacket p = VmPacket.inband(0, 0, new byte[payload]);
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long[] count = new long[1];
        Thread writer = new Thread(() -> {
            long n = 0;
            while ((n & 255) != 0 || System.nanoTime() < deadline) {
                while (!producer.write(p).written()) {
                    Thread.onSpinWait();
                }
                n++;
            }
            count[0] = n;
        });
        long t0 = System.nanoTime();
        writer.start();
        long got = 0;
        long sum = 0;
        while (writer.isAlive() || consumer.bytesToRead() > 0) {
            if (batched) {
                long[] bytes = {0};
                int n = consumer.readBatch(64, q -> bytes[0] += q.data().length).packets();
                if (n == 0) {
                    Thread.onSpinWait();
                }
                got += n;
                sum += bytes[0];
                continue;
            }
            ReadResult r = consumer.read();
            if (r.isEmpty()) {
                Thread.onSpinWait();
            } else {
                got++;
                sum += r.packet().data().length;
            }
        }
        writer.join();
        double s = (System.nanoTime() - t0) / 1e9;
        if (got != count[0] || sum != got * VmPacket.align8(payload)) {
            throw new AssertionError("lost packets: " + got + " of " + count[0]);
        }
        if (print) {
            System.out.printf("ring %4d KiB, 2 threads, %6d-byte packets%s: %,12.0f packets/s %7.2f GB/s%n",
                    ringKiB, payload, batched ? " (batched reads)" : "", got / s, sum / s / 1e9);
        }
    }

    private static void singleThread(int ringKiB, int payload, double seconds, boolean print) {
        DirectGuestMemory mem = DirectGuestMemory.of(8 << 20, (byte) 0);
        RingBuffer rb = RingBuffer.open(ring(mem, ringKiB));
        VmPacket p = VmPacket.inband(0, 0, new byte[payload]);
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        long n = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 64; i++) {
                rb.write(p);
                rb.read();
            }
            n += 64;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (print) {
            System.out.printf("ring %4d KiB, 1 thread,  %6d-byte packets: %,12.0f packets/s %7.2f GB/s%n", ringKiB,
                    payload, n / s, n * (double) payload / s / 1e9);
        }
    }

    /** The copies the ring does, without the ring: heap to direct memory, direct memory to a new array. */
    private static void copies(int size, double seconds, boolean print) {
        byte[] src = new byte[size];
        ByteBuffer shared = ByteBuffer.allocateDirect(1 << 20);
        byte[] dst = new byte[size];
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        long n = 0;
        int at = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 64; i++) {
                shared.put(at, src, 0, size);
                byte[] out = new byte[size];
                shared.get(at, out, 0, size);
                at = (at + size) % ((1 << 20) - size);
            }
            n += 64;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        long m = 0;
        while (System.nanoTime() < t1 + (long) (seconds * 1e9)) {
            for (int i = 0; i < 64; i++) {
                System.arraycopy(src, 0, dst, 0, size);
            }
            m += 64;
        }
        double s2 = (System.nanoTime() - t1) / 1e9;
        if (print) {
            System.out.printf("copy in + out (heap->direct->new array), %6d bytes: %,12.0f /s %7.2f GB/s%n", size,
                    n / s, n * (double) size / s / 1e9);
            System.out.printf("System.arraycopy,                        %6d bytes: %,12.0f /s %7.2f GB/s%n", size,
                    m / s2, m * (double) size / s2 / 1e9);
        }
    }
}
