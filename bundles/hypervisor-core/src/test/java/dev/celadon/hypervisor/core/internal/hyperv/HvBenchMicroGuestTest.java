package dev.celadon.hypervisor.core.internal.hyperv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.device.serial.Uart16550;
import dev.celadon.emulator.cpu.Tier;
import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.intercept.PortIoHandler;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.internal.KernelLoader;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hvbench micro-guest (bench/hypercall.sh's workload) with a small count on the emulator, both tiers: every
 * timed hypercall returned its status, the port loop made one exit per iteration, and the line parses, so the
 * benchmark cannot silently measure nothing.
 */
class HvBenchMicroGuestTest {

    static final int COUNT = 200;
    static final int WARM = COUNT / 10; // the guest's untimed warm-up, each loop
    static final int PORT = 0x512;

    @ParameterizedTest
    @ValueSource(strings = {"interpreter", "translator"})
    void everyTimedCallReturnsItsStatusAndEveryPortWriteExits(String tier) throws Exception {
        String before = System.getProperty(Tier.PROPERTY);
        System.setProperty(Tier.PROPERTY, tier);
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
        pm.register("emulator", 50, new EmulatorBackend());
        Partition p = pm.create(new PartitionConfig("hvbench-" + tier, 1, 32L << 20, "emulator"));
        try {
            HvPartition hv = new HyperVService().of(p).orElseThrow();
            HyperVMicroGuestTest.Console con = new HyperVMicroGuestTest.Console();
            Uart16550.attach(p, Uart16550.COM1_BASE, p.interrupts().line(Uart16550.COM1_IRQ), con);
            AtomicLong writes = new AtomicLong();
            p.intercepts().portIo(PORT, 1, new PortIoHandler() {
                @Override
                public int read(VirtualProcessor vp, int port, int size) {
                    return 0xFF;
                }

                @Override
                public void write(VirtualProcessor vp, int port, int size, int value) {
                    writes.incrementAndGet();
                }
            });
            LoadedImage img = new KernelLoader().load(p.memory(),
                    BootRequest.of(MicroGuests.image("hvbench"), null, "count=" + COUNT + " port=0x" + Integer.toHexString(PORT)));
            p.start(img.bootState());
            con.await("CELADON-HVBENCH done", p);
            assertTrue(p.state() != PartitionState.FAILED, p.failureReason().orElse(""));

            Map<String, String> f = fields(con.text());
            assertEquals(String.valueOf(COUNT), f.get("count"));
            assertEquals("0x" + Integer.toHexString(HvStatus.INVALID_HYPERCALL_CODE), f.get("unknown_status"));
            assertEquals(String.valueOf(COUNT), f.get("unknown_ok"), "every unknown-code call got status 2");
            assertEquals("0x" + Integer.toHexString(HvStatus.INVALID_CONNECTION_ID), f.get("signal_status"));
            assertEquals(String.valueOf(COUNT), f.get("signal_ok"), "every HvSignalEvent got status 0x12");
            assertEquals("0x" + Integer.toHexString(PORT), f.get("port"));
            assertEquals(String.valueOf(COUNT), f.get("port_count"));
            for (String k : new String[] {"unknown_ticks", "signal_ticks", "port_ticks"}) {
                assertTrue(Long.parseLong(f.get(k)) > 0, k + " is " + f.get(k));
            }
            assertEquals(COUNT + WARM, writes.get(), "one exit per port write, warm-up included");
            // The dispatcher handled the HvSignalEvent calls (warm-up included); unknown codes never reach it.
            assertEquals(COUNT + WARM, hv.hypercallCount(0));
        } finally {
            p.stop();
            p.awaitTermination(Duration.ofSeconds(10));
            pm.deactivate();
            if (before == null) {
                System.clearProperty(Tier.PROPERTY);
            } else {
                System.setProperty(Tier.PROPERTY, before);
            }
        }
    }

    /** key=value pairs of the guest's result line (the one with unknown_ok=). */
    static Map<String, String> fields(String console) {
        Matcher line = Pattern.compile("(?m)^CELADON-HVBENCH (count=.* unknown_ok=.*)$").matcher(console);
        assertTrue(line.find(), "no result line:\n" + console);
        Map<String, String> f = new HashMap<>();
        Matcher kv = Pattern.compile("(\\w+)=(\\S+)").matcher(line.group(1));
        while (kv.find()) {
            f.put(kv.group(1), kv.group(2));
        }
        return f;
    }
}
