package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static dev.celadon.management.internal.Host.console;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.enlightenment.timing.internal.TimingEnlightenment;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.ic.HeartbeatStatus;
import dev.celadon.ic.IcException;
import dev.celadon.ic.internal.IntegrationServicesComponent;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmState;
import dev.celadon.test.support.TestGrant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Debian's stock kernel with the integration services: the real IC component as management's service provider,
 * the real timing enlightenment (TIME_REF_COUNT, which hv_utils' time sync reads) on the partition. The guest's
 * own hv_utils negotiates on the three channels and logs the versions; its heartbeat answers show in vm:info; its
 * clock, which starts at 1970 (the platform has no RTC), ends up at the host's; and the shutdown request makes it
 * log "Shutdown request received" and power itself off, after which the VM is stopped and its threads are gone.
 */
class IntegrationServicesLinuxTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void hvUtilsAnswersHeartbeatsTakesTheHostsTimeAndShutsDownOnRequest(String backend) throws Exception {
        Host.requireLinuxBackend(backend);
        PartitionManagerImpl partitions = Host.partitions();
        partitions.register(new TimingEnlightenment(TestGrant.of("hv-timing", "dev.celadon.enlightenment.timing")));
        manager = Host.manager(dir, partitions);
        IntegrationServicesComponent ic = new IntegrationServicesComponent();
        manager.addServiceProvider(ic);
        manager.create(new VmDefinition("ic1", 1, 256, VmDefinition.IMAGE_LINUX, null, null, null, backend));
        long t0 = System.nanoTime();
        manager.start("ic1");
        // Before the guest has loaded hv_utils the shutdown channel is offered but not open.
        IcException early = assertThrows(IcException.class, () -> ic.requestShutdown("ic1", 1000));
        assertTrue(early.getMessage().contains("has not opened the shutdown channel")
                || early.getMessage().contains("has not answered version negotiation"), early.getMessage());

        awaitConsole(manager, "ic1", "CELADON-GUEST-READY cpus=1 mem_kb=", 300);
        System.out.printf("IntegrationServicesLinuxTest[%s]: READY after %.1f s%n", backend, (System.nanoTime() - t0) / 1e9);
        GuestShell.run(manager, "ic1", "true", 120);
        // hv_utils says what it chose (vmbus_prep_negotiate_resp: its first version that the host offered).
        awaitConsole(manager, "ic1", "hv_utils: Shutdown IC version 3.0", 120);
        awaitConsole(manager, "ic1", "hv_utils: Heartbeat IC version 3.0", 120);
        awaitConsole(manager, "ic1", "hv_utils: TimeSync IC version 3.0", 120);
        long tReady = System.nanoTime();

        // Heartbeat: answered, and vm:info says so; the sequence grows with the answers.
        HeartbeatStatus hb1 = awaitHeartbeat(ic, "ic1", 30);
        String line = manager.info("ic1").runtime().get("ic.heartbeat");
        System.out.println("IntegrationServicesLinuxTest[" + backend + "]: vm:info ic.heartbeat: " + line);
        assertTrue(line.matches("heartbeat IC 3\\.0: ok \\(last seen \\d+\\.\\d s ago, seq \\d+\\)"), line);
        Thread.sleep(4000);
        HeartbeatStatus hb2 = ic.heartbeat("ic1").orElseThrow();
        assertTrue(hb2.alive(), hb2.toString());
        assertTrue(hb2.sequence() >= hb1.sequence() + 2 && hb2.answers() >= hb1.answers() + 2,
                "about one answer a second: " + hb1 + " then " + hb2);

        // Time sync: the guest took the SYNC sample, so its clock (1970 at boot: no RTC) is the host's now.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!ic.timeSynced("ic1") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(ic.timeSynced("ic1"), manager.info("ic1").runtime().toString());
        String bootTime = GuestShell.run(manager, "ic1", "dmesg | grep -m1 -i 'clock\\|rtc'", 60);
        long before = Instant.now().getEpochSecond();
        String date = GuestShell.run(manager, "ic1", "date +%s", 60).trim();
        long after = Instant.now().getEpochSecond();
        long guest = Long.parseLong(date.lines().reduce((a, b) -> b).orElse("").trim());
        System.out.println("IntegrationServicesLinuxTest[" + backend + "]: guest date +%s " + guest + ", host "
                + before + ".." + after + "; guest's early clock line: " + bootTime.trim());
        assertTrue(guest >= before - 3 && guest <= after + 3, "guest clock " + guest + ", host " + before + ".." + after);
        String ptp = GuestShell.run(manager, "ic1", "cat /sys/class/ptp/ptp0/clock_name", 60);
        assertTrue(ptp.contains("hyperv"), "hv_utils' PTP clock: " + ptp);
        Map<String, String> runtime = manager.info("ic1").runtime();
        System.out.println("IntegrationServicesLinuxTest[" + backend + "]: vm:info ic.*: " + runtime.entrySet().stream()
                .filter(e -> e.getKey().startsWith("ic.")).map(Object::toString).collect(Collectors.joining("; ")));
        assertTrue(runtime.get("ic.timesync").startsWith("timesync IC 3.0: clock set"), runtime.toString());
        assertTrue(runtime.get("ic.shutdown").startsWith("shutdown IC 3.0: ready"), runtime.toString());
        assertEquals("0", runtime.get("vmbus-violations"), runtime.toString());
        assertEquals(java.util.List.of(), ic.ignored("ic1"), "nothing the guest sent was ignored");

        // Shutdown through hv_utils: the guest acknowledges, logs it and powers itself off.
        long s0 = System.nanoTime();
        ic.requestShutdown("ic1", 10_000);
        long acked = System.nanoTime();
        deadline = System.nanoTime() + 120_000_000_000L;
        while (manager.info("ic1").state() != VmState.STOPPED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        String log = console(manager, "ic1");
        Files.writeString(Path.of("target", "IntegrationServicesLinuxTest-" + backend + "-console.txt"), log);
        System.out.printf("IntegrationServicesLinuxTest[%s]: hv_utils negotiated %.1f s after the start; shutdown acknowledged"
                        + " in %.2f s, VM %s %.1f s after the request%n", backend, (tReady - t0) / 1e9,
                (acked - s0) / 1e9, manager.info("ic1").state(), (System.nanoTime() - s0) / 1e9);
        System.out.println("IntegrationServicesLinuxTest[" + backend + "]: the guest's hv_utils and power-off lines:\n"
                + Arrays.stream(log.split("\r?\n")).filter(l -> l.contains("hv_utils") || l.contains("reboot:")
                || l.contains("shutdown") || l.contains("Power down")).collect(Collectors.joining("\n")));
        assertEquals(VmState.STOPPED, manager.info("ic1").state(), log);
        assertTrue(log.contains("hv_utils: Shutdown request received - graceful shutdown initiated"), log);
        // The orderly path: the kernel ran /sbin/poweroff, which signals the kit's init (sync, then power off).
        assertFalse(log.contains("Failed to start orderly shutdown"), log);
        LinuxBootTest.assertCleanKernelLog(log);

        // Everything of the run is released, and a shutdown now is refused with a reason.
        assertTrue(Host.threadsNamed("celadon-ic1-").isEmpty(), Host.threadsNamed("celadon-ic1-").toString());
        assertTrue(Host.threadsNamed("vmbus-channel-").isEmpty(), Host.threadsNamed("vmbus-channel-").toString());
        assertTrue(Host.threadsNamed("ic-ic1").isEmpty(), Host.threadsNamed("ic-ic1").toString());
        assertEquals(Optional.empty(), ic.heartbeat("ic1"));
        assertFalse(manager.info("ic1").runtime().containsKey("ic.heartbeat"));
        IcException after2 = assertThrows(IcException.class, () -> ic.requestShutdown("ic1", 1000));
        assertTrue(after2.getMessage().contains("has no integration services"), after2.getMessage());
    }

    /**
     * The counter-check of the clock above, and the partition without TIME_REF_COUNT: time sync is not offered (so
     * hv_utils never reads the missing MSR and its log stays clean), vm:info says why, and the guest's clock stays
     * where it started, in 1970; heartbeat and shutdown work as before.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void withoutTimeRefCountTheClockIsLeftAloneAndTheRestWorks(String backend) throws Exception {
        Host.requireLinuxBackend(backend);
        manager = Host.manager(dir, Host.partitions());
        IntegrationServicesComponent ic = new IntegrationServicesComponent();
        manager.addServiceProvider(ic);
        manager.create(new VmDefinition("ic2", 1, 256, VmDefinition.IMAGE_LINUX, null, null, null, backend));
        manager.start("ic2");
        awaitConsole(manager, "ic2", "CELADON-GUEST-READY cpus=1 mem_kb=", 300);
        GuestShell.run(manager, "ic2", "true", 120);
        awaitConsole(manager, "ic2", "hv_utils: Shutdown IC version 3.0", 120);
        awaitHeartbeat(ic, "ic2", 30);
        Map<String, String> runtime = manager.info("ic2").runtime();
        assertFalse(runtime.containsKey("ic.timesync"), runtime.toString());
        assertEquals("UNAVAILABLE", ic.services("ic2").get(2).state().name());
        String date = GuestShell.run(manager, "ic2", "date +%s", 60).trim();
        long guest = Long.parseLong(date.lines().reduce((a, b) -> b).orElse("").trim());
        System.out.println("IntegrationServicesLinuxTest[" + backend + "]: without time sync the guest's date +%s is "
                + guest + "; " + ic.services("ic2").get(2).detail());
        assertTrue(guest < 86_400, "no RTC and no time sync: the guest's clock is still on 1970-01-01: " + guest);

        ic.requestShutdown("ic2", 10_000);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (manager.info("ic2").state() != VmState.STOPPED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        String log = console(manager, "ic2");
        assertEquals(VmState.STOPPED, manager.info("ic2").state(), log);
        assertTrue(log.contains("hv_utils: Shutdown request received - graceful shutdown initiated"), log);
        assertFalse(log.contains("hv_utils: TimeSync IC version"), "not offered, so never negotiated:\n" + log);
        LinuxBootTest.assertCleanKernelLog(log);
        assertTrue(Host.threadsNamed("ic-ic2").isEmpty(), Host.threadsNamed("ic-ic2").toString());
    }

    /** Waits until the heartbeat has answers and counts as alive. */
    static HeartbeatStatus awaitHeartbeat(IntegrationServicesComponent ic, String vm, long seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<HeartbeatStatus> h = ic.heartbeat(vm);
            if (h.isPresent() && h.get().alive() && h.get().answers() >= 2) {
                return h.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no heartbeat answers within " + seconds + " s: " + ic.heartbeat(vm) + " "
                + ic.services(vm));
    }
}
