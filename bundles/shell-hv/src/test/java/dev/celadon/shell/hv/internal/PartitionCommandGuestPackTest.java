package dev.celadon.shell.hv.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.device.serial.Uart16550;
import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.guest.windows.internal.WindowsGuestPack;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.internal.KernelLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * hv:partition on a real partition of the real core with the Windows pack: the hvpack micro-guest writes a
 * Windows Server 2022 guest OS id and makes a long-spin-wait call, then halts; the command decodes what it wrote.
 */
class PartitionCommandGuestPackTest {

    @Test
    void hvPartitionShowsTheWindowsPackAndDecodesTheWindowsGuestOsId() throws Exception {
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack(), new WindowsGuestPack());
        pm.register("emulator", 50, new EmulatorBackend());
        HyperVService hyperV = new HyperVService();
        Partition p = pm.create(new PartitionConfig("win", 1, 32L << 20, "emulator", "windows"));
        try {
            Uart16550.attach(p, Uart16550.COM1_BASE, p.interrupts().line(Uart16550.COM1_IRQ), b -> { });
            p.start(new KernelLoader().load(p.memory(), BootRequest.of(MicroGuests.image("hvpack"), null,
                    "osid=1040a00004f7c halt=1")).bootState());
            HvPartition hv = hyperV.of(p).orElseThrow();
            long end = System.currentTimeMillis() + 60_000;
            while (hv.spinWaitNotifications() < 1 && System.currentTimeMillis() < end && !p.state().isTerminal()) {
                Thread.sleep(20);
            }
            PartitionCommand c = new PartitionCommand();
            c.partitions = pm;
            c.hyperV = hyperV;
            c.name = "win";
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            c.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            String text = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(text.matches("(?s).*Guest pack\\s+windows\n.*"), text);
            assertTrue(text.matches("(?s).*Guest OS id\\s+0x0001040a00004f7c Microsoft Windows NT 10\\.0 "
                    + "\\(Windows Server 2022\\) sp 0 build 20348 \\(os id 4\\)\n.*"), text);
            assertTrue(text.matches("(?s).*CPUID granted\\s+features=0x74 privileges=0x30 misc=0x0 "
                    + "recommendations=0x228 spinlock-retries=0xfff\n.*"), text);
            assertTrue(text.matches("(?s).*CPUID withheld\\s+0x40000003.EAX 0xa8b 0x40000004.EAX 0x416 .*"), text);
            assertTrue(text.matches("(?s).*Long spin waits\\s+1\n.*"), text);
        } finally {
            p.stop();
        }
    }
}
