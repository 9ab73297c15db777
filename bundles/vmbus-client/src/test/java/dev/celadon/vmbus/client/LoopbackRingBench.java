package dev.celadon.vmbus.client;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionDevice;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import dev.celadon.loopback.internal.LoopbackBackend;
import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.server.Channel;
import dev.celadon.vmbus.server.VmbusDevice;
import dev.celadon.vmbus.server.VmbusServer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput of VMBus over a loopback partition, not a test: the Java guest on its VP thread writes packets into
 * a channel's guest-to-host ring and the real VMBus server's channel worker reads them for a sink device, with
 * every signal a real HvSignalEvent through the core and every host signal an SIEFP flag and an interrupt; and a
 * ping-pong through an echo device. In the same run, the plain memory copies a ring transfer makes (heap into
 * guest RAM, guest RAM into a new array) without the ring, for scale. Run by {@code bench/vmbus-ring.sh}:
 * {@code java -cp <test classpath> dev.celadon.vmbus.client.LoopbackRingBench [seconds] [rounds]}. Prints one
 * {@code result ...} line per figure and round.
 */
public final class LoopbackRingBench {

    /** Counts what the guest sends, answers nothing. */
    static final class Sink implements VmbusDevice {
        final AtomicLong packets = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        private final Guid instance = new Guid(UUID.randomUUID());

        @Override
        public Guid interfaceType() {
            return Guid.parse("0b5e7a2c-6d1f-4e3a-9b0c-5a4d3e2f1c0b");
        }

        @Override
        public Guid instance() {
            return instance;
        }

        @Override
        public int maxRingBytes() {
            return 4 << 20;
        }

        @Override
        public void open(Channel channel) {
        }

        @Override
        public void packet(Channel channel, VmPacket packet) {
            bytes.addAndGet(packet.encodedLength() - packet.dataOffset());
            packets.incrementAndGet();
        }

        @Override
        public void close() {
        }
    }

    private LoopbackRingBench() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.printf("java %s, %d CPUs%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        PartitionManagerImpl manager = new PartitionManagerImpl(new LinuxGuestPack());
        LoopbackBackend backend = new LoopbackBackend();
        manager.register(LoopbackBackend.NAME, LoopbackBackend.PREFERENCE, backend);
        GuestDriver driver = new GuestDriver();
        Registration program = backend.assign("ringbench", driver);
        Partition p = manager.create(PartitionConfig.ofMib("ringbench", 1, 64, LoopbackBackend.NAME));
        HvPartition hv = new HyperVService().of(p).orElseThrow();
        VmbusServer server = VmbusServer.create(hv, p.memory(), 1);
        p.addDevice(new PartitionDevice() {
            @Override
            public String name() {
                return "vmbus";
            }

            @Override
            public void close() {
                server.close();
            }
        });
        Sink sink = new Sink();
        server.offer(sink);
        server.offer(new EchoDevice());
        p.start(new BootState(BootState.Mode.PROTECTED_32, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        try {
            GuestChannel[] ch = driver.call(g -> {
                g.connect();
                var offers = g.requestOffers();
                // 1 MiB of data toward the sink (257 pages: header + 256), 64 KiB back; the echo 64 KiB each way.
                return new GuestChannel[] {g.open(offers.get(0), 257, 2), g.open(offers.get(1), 17, 17)};
            });
            // Round 0 warms up the JIT and is not printed.
            for (int round = 0; round <= rounds; round++) {
                boolean print = round > 0;
                oneWay(driver, ch[0], sink, 64, seconds, print, "loopback_64B");
                oneWay(driver, ch[0], sink, 64 * 1024, seconds, print, "loopback_64KiB");
                pingPong(driver, ch[1], 64, seconds, print);
                copies(p.memory(), 64, seconds, print, "copy_64B");
                copies(p.memory(), 64 * 1024, seconds, print, "copy_64KiB");
            }
        } finally {
            driver.finish();
            p.stop();
            program.close();
            manager.deactivate();
        }
    }

    /** The guest writes {@code payload}-byte packets for {@code seconds}; timed until the sink has them all. */
    static void oneWay(GuestDriver driver, GuestChannel ch, Sink sink, int payload, double seconds, boolean print,
                       String name) throws InterruptedException {
        long p0 = sink.packets.get();
        long b0 = sink.bytes.get();
        VmPacket packet = VmPacket.inband(0, 0, new byte[payload]);
        long t0 = System.nanoTime();
        long sent = driver.call(g -> {
            long deadline = t0 + (long) (seconds * 1e9);
            long n = 0;
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < 64; i++) {
                    if (!ch.send(packet, Duration.ofSeconds(5))) {
                        throw new IllegalStateException("no space in the ring for 5 s");
                    }
                }
                n += 64;
            }
            return n;
        });
        while (sink.packets.get() - p0 < sent) {
            Thread.onSpinWait();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        long bytes = sink.bytes.get() - b0;
        if (bytes != sent * VmPacket.align8(payload)) {
            throw new AssertionError(name + ": the sink got " + bytes + " bytes for " + sent + " packets");
        }
        if (print) {
            System.out.printf("result name=%s payload=%d packets=%d seconds=%.3f packets_per_sec=%.0f gb_per_sec=%.3f"
                    + " guest_signals=%d%n", name, payload, sent, s, sent / s, bytes / s / 1e9, ch.signalsSent());
        }
    }

    /** Send one, wait for its echo: round trips per second through both rings and both signal paths. */
    static void pingPong(GuestDriver driver, GuestChannel ch, int payload, double seconds, boolean print) {
        VmPacket packet = VmPacket.inband(0, 1, new byte[payload]);
        long[] r = driver.call(g -> {
            long t0 = System.nanoTime();
            long deadline = t0 + (long) (seconds * 1e9);
            long n = 0;
            while (System.nanoTime() < deadline) {
                if (!ch.send(packet) || ch.receive() == null) {
                    throw new IllegalStateException("echo lost");
                }
                n++;
            }
            return new long[] {n, System.nanoTime() - t0};
        });
        if (print) {
            double s = r[1] / 1e9;
            System.out.printf("result name=loopback_pingpong_64B payload=%d packets=%d seconds=%.3f"
                    + " packets_per_sec=%.0f gb_per_sec=%.3f%n", payload, r[0], s, r[0] / s, r[0] * payload / s / 1e9);
        }
    }

    /** The two copies a ring transfer makes, without the ring: a heap array into guest RAM, then into a new array. */
    static void copies(GuestMemory memory, int size, double seconds, boolean print, String name) {
        ByteBuffer ram = memory.view(32L << 20, 4 << 20);
        byte[] src = new byte[size];
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        long n = 0;
        int at = 0;
        long check = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 64; i++) {
                ram.put(at, src, 0, size);
                byte[] out = new byte[size];
                ram.get(at, out, 0, size);
                check += out[size - 1];
                at = (at + size) % ((4 << 20) - size);
            }
            n += 64;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (print) {
            System.out.printf("result name=%s payload=%d packets=%d seconds=%.3f packets_per_sec=%.0f gb_per_sec=%.3f"
                    + " check=%d%n", name, size, n, s, n / s, n * (double) size / s / 1e9, check);
        }
    }

}
