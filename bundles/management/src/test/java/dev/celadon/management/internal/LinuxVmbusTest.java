package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static dev.celadon.management.internal.Host.console;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Debian's stock kernel against Celadon's VMBus: every VM management starts has a VMBus server and the ACPI
 * VMBus device, and the kernel's own hv_vmbus (loaded by the guest kit's init) finds it, connects and logs the
 * version it negotiated. Checked from outside: the guest's kernel log on its serial console, and what the host's
 * server says in vm:info.
 */
class LinuxVmbusTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;
    PartitionManagerImpl partitions;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    void setUp(String backend) {
        Host.requireLinuxBackend(backend);
        partitions = Host.partitions();
        manager = Host.manager(dir, partitions);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void hvVmbusProbesTheAcpiDeviceAndNegotiatesVersion53(String backend) throws Exception {
        setUp(backend);
        manager.create(new VmDefinition("bus1", 1, 256, VmDefinition.IMAGE_LINUX, null, null, null, backend));
        long t0 = System.nanoTime();
        manager.start("bus1");
        awaitConsole(manager, "bus1", "CELADON-GUEST-READY cpus=1 mem_kb=", 300);
        System.out.printf("LinuxVmbusTest[%s]: READY after %.1f s%n", backend, (System.nanoTime() - t0) / 1e9);
        run("bus1", "true", 120);
        String log = console(manager, "bus1");
        Files.writeString(Path.of("target", "LinuxVmbusTest-" + backend + "-console.txt"), log);
        System.out.println("LinuxVmbusTest[" + backend + "]: the guest's VMBus lines:\n" + vmbusLines(log));

        // hv_vmbus loaded (the init script says "could not load" otherwise), found \_SB.VMBS and connected.
        assertFalse(log.contains("could not load hv_vmbus"), log);
        Matcher version = Pattern.compile("hv_vmbus: Vmbus version:(\\d+)\\.(\\d+)").matcher(log);
        assertTrue(version.find(), "no 'Vmbus version:' line:\n" + log);
        assertEquals("5.3", version.group(1) + "." + version.group(2), "Linux 6.1 proposes 5.3 first");
        LinuxBootTest.assertCleanKernelLog(log);

        // The guest's view: the bus exists and its driver core knows the ACPI device.
        String sys = run("bus1", "ls /sys/bus/vmbus/", 60);
        assertTrue(sys.contains("devices") && sys.contains("drivers"), sys);
        String bound = run("bus1", "ls /sys/bus/acpi/drivers/vmbus/", 60);
        assertTrue(bound.toLowerCase().contains("vmbus:00"), "the ACPI driver 'vmbus' bound to our device: " + bound);
        String lsmod = run("bus1", "lsmod", 60);
        assertTrue(lsmod.contains("hv_vmbus"), lsmod);

        // The host's side agrees.
        assertEquals("5.3", manager.info("bus1").runtime().get("vmbus-version"), manager.info("bus1").toString());
        assertEquals("0", manager.info("bus1").runtime().get("vmbus-violations"), manager.info("bus1").toString());

        manager.console("bus1").type("poweroff\n".getBytes(StandardCharsets.US_ASCII));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (manager.info("bus1").state() != VmState.STOPPED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(VmState.STOPPED, manager.info("bus1").state(), console(manager, "bus1"));
        assertTrue(Host.threadsNamed("celadon-bus1-").isEmpty(), Host.threadsNamed("celadon-bus1-").toString());
        assertTrue(Host.threadsNamed("vmbus-channel-").isEmpty(), Host.threadsNamed("vmbus-channel-").toString());
        LinuxBootTest.assertCleanKernelLog(console(manager, "bus1"));
    }

    /** The kernel log lines about VMBus and its drivers, for the test's output. */
    static String vmbusLines(String log) {
        return Arrays.stream(log.split("\r?\n"))
                .filter(l -> l.contains("hv_") || l.contains("vmbus") || l.contains("VMBus") || l.contains("Hyper-V")
                        || l.contains("storvsc") || l.contains("scsi") || l.contains("sd ") || l.contains("celadon:"))
                .collect(Collectors.joining("\n"));
    }

    String run(String vm, String command, long seconds) throws InterruptedException {
        return GuestShell.run(manager, vm, command, seconds);
    }
}
