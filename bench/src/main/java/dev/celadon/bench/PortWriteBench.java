package dev.celadon.bench;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.intercept.PortIoHandler;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.kvm.internal.KvmBackend;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.internal.KernelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Port-write exits per second through Celadon's whole exit path (KVM_RUN, the KVM backend, the core's
 * intercept routing, a device handler), on the bench micro-guest. Prints one line per run in the same form as
 * bench/kvm-loop.c, timed from the first to the last write to the bench port.
 *
 * <p>Usage: PortWriteBench [--count N] [--runs R] [--elf FILE]
 */
public final class PortWriteBench {

    static final int BENCH_PORT = 0x510;
    static final int EXIT_PORT = 0xF4;

    /** Counts the guest's writes and notes when the first and last arrived. */
    static final class Counter implements PortIoHandler {
        final long expected;
        final CountDownLatch done = new CountDownLatch(1);
        long writes;
        long first;
        long last;

        Counter(long expected) {
            this.expected = expected;
        }

        @Override
        public int read(VirtualProcessor vp, int port, int size) {
            return 0;
        }

        @Override
        public void write(VirtualProcessor vp, int port, int size, int value) {
            if (port == EXIT_PORT) {
                done.countDown();
                return;
            }
            long now = System.nanoTime();
            if (writes++ == 0) {
                first = now;
            }
            last = now;
        }
    }

    public static void main(String[] args) throws Exception {
        long count = 200_000;
        int runs = 5;
        byte[] elf = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--count" -> count = Long.parseLong(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--elf" -> elf = Files.readAllBytes(Path.of(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (elf == null) {
            elf = MicroGuests.image("bench");
        }
        PartitionManagerImpl partitions = new PartitionManagerImpl(new LinuxGuestPack());
        partitions.register("kvm", 10, new KvmBackend());
        KernelLoader loader = new KernelLoader();
        for (int run = 0; run < runs; run++) {
            Partition p = partitions.create(new PartitionConfig("bench" + run, 1, 64L << 20, "kvm"));
            try {
                Counter counter = new Counter(count);
                p.intercepts().portIo(BENCH_PORT, 1, counter);
                p.intercepts().portIo(EXIT_PORT, 1, counter);
                LoadedImage image = loader.load(p.memory(),
                        new BootRequest(elf, null, "count=" + count + " port=0x" + Integer.toHexString(BENCH_PORT), 0, null));
                p.start(image.bootState());
                if (!counter.done.await(600, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the bench guest did not finish: " + p.state() + " "
                            + p.failureReason().orElse(""));
                }
                if (counter.writes != count) {
                    throw new IllegalStateException("expected " + count + " port writes, saw " + counter.writes);
                }
                double seconds = (counter.last - counter.first) / 1e9;
                System.err.printf("port_writes=%d seconds=%.3f exits_per_sec=%.0f%n", counter.writes, seconds,
                        (counter.writes - 1) / seconds);
            } finally {
                p.stop();
                p.awaitTermination(Duration.ofSeconds(10));
            }
        }
    }
}
