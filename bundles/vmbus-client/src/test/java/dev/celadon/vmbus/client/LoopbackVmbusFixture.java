package dev.celadon.vmbus.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionDevice;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import dev.celadon.loopback.internal.LoopbackBackend;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import dev.celadon.vmbus.server.ChannelInfo;
import dev.celadon.vmbus.server.VmbusServer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * A loopback partition made by the real partition manager (1 VP, 32 MiB), the real VMBus server over its
 * Hyper-V layer (closed as a partition device, before the RAM goes) with two echo devices offered, and the Java
 * guest ({@link GuestDriver}) running on VP 0.
 */
abstract class LoopbackVmbusFixture {
    static final int MIB = 32;

    PartitionManagerImpl manager;
    LoopbackBackend backend;
    Registration program;
    GuestDriver driver;
    Partition partition;
    HvPartition hv;
    VmbusServer server;
    EchoDevice a;
    EchoDevice b;
    String name;

    @BeforeEach
    void setUp(TestInfo info) {
        name = "vmbus-" + info.getTestMethod().orElseThrow().getName();
        manager = new PartitionManagerImpl(new LinuxGuestPack());
        backend = new LoopbackBackend();
        manager.register(LoopbackBackend.NAME, LoopbackBackend.PREFERENCE, backend);
        driver = new GuestDriver();
        program = backend.assign(name, driver);
        partition = manager.create(PartitionConfig.ofMib(name, 1, MIB, LoopbackBackend.NAME));
        hv = new HyperVService().of(partition).orElseThrow();
        server = VmbusServer.create(hv, partition.memory(), 1);
        partition.addDevice(new PartitionDevice() {
            @Override
            public String name() {
                return "vmbus";
            }

            @Override
            public void close() {
                server.close();
            }
        });
        a = new EchoDevice();
        b = new EchoDevice();
        server.offer(a);
        server.offer(b);
        partition.start(new BootState(BootState.Mode.PROTECTED_32, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @AfterEach
    void tearDown() {
        driver.finish();
        partition.stop();
        program.close();
        manager.deactivate();
    }

    ChannelInfo info(int relid) {
        return server.channels().stream().filter(c -> c.relid() == relid).findFirst().orElse(null);
    }

    /** {@code count} echoes; returns the bytes written into the guest-to-host ring (trailers included). */
    static long echo(GuestChannel ch, Random rnd, int count) {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            byte[] d = new byte[rnd.nextInt(600)];
            rnd.nextBytes(d);
            if (d.length > 0 && (d[0] == 'S' || d[0] == 'F')) {
                d[0] = 0; // not the device's sink or flood commands
            }
            long id = rnd.nextLong();
            VmPacket p = VmPacket.inband(VmPacketType.FLAG_COMPLETION_REQUESTED, id, d);
            bytes += p.encodedLength() + 8;
            assertTrue(ch.send(p));
            VmPacket r = ch.receive();
            assertNotNull(r, "no echo for packet " + i + " on relid " + ch.relid());
            assertEquals(VmPacketType.COMPLETION, r.type());
            assertEquals(id, r.transactionId());
            byte[] got = r.data();
            assertEquals(VmPacket.align8(d.length), got.length);
            for (int j = 0; j < d.length; j++) {
                assertEquals((byte) (d[j] ^ 0x5A), got[j], "byte " + j + " of packet " + i);
            }
        }
        return bytes;
    }

    static long threads(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (true) {
            long n = Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive()
                    && t.getName().startsWith(prefix)).count();
            if (n == 0 || System.nanoTime() > deadline) {
                return n;
            }
            Thread.sleep(10);
        }
    }

    static Duration ms(long ms) {
        return Duration.ofMillis(ms);
    }
}
