package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static dev.celadon.management.internal.Host.console;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/** The demo micro-guest on every backend this machine has (KVM, the emulator), through the management service. */
class DemoGuestTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;

    PartitionManagerImpl partitions;

    /** A manager with every backend; the test's VMs are defined on {@code backend}. */
    void setUp(String backend) {
        Host.requireBackend(backend);
        this.backend = backend;
        partitions = Host.partitions();
        manager = Host.manager(dir, partitions);
    }

    String backend;

    VmDefinition def(String name, int cpus, long mib, String image) {
        return new VmDefinition(name, cpus, mib, image, null, null, null, backend);
    }

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void bannerEchoAndStopReleasingEverything(String backend) throws Exception {
        setUp(backend);
        manager.create(def("demo1", 1, 64, "demo"));
        manager.start("demo1");
        awaitConsole(manager, "demo1", "CELADON-DEMO cpus=1 mem_mib=64", 30);
        awaitConsole(manager, "demo1", "vcpu 0 up", 30);
        awaitConsole(manager, "demo1", "echo ready", 30);

        manager.console("demo1").type("hello celadon\n".getBytes(StandardCharsets.US_ASCII));
        awaitConsole(manager, "demo1", "echo: hello celadon", 30);
        assertEquals(VmState.RUNNING, manager.info("demo1").state());

        // What the run holds, seen from outside: KVM descriptors, vCPU threads, a 64 MiB RAM mapping.
        if (backend.equals("kvm")) {
            assertFalse(Host.kvmDescriptors().isEmpty(), "a running VM holds KVM descriptors");
        }
        assertEquals(1, Host.threadsNamed("celadon-demo1-vcpu").size(), Host.threadsNamed("celadon-").toString());
        Partition partition = partitions.partitions().stream().filter(p -> p.name().equals("demo1")).findFirst().orElseThrow();
        long ramStart = Host.hostAddressOfRam(partition);
        long ramEnd = ramStart + (64L << 20);
        assertTrue(Host.mapped(ramStart, ramEnd), "guest RAM is mapped while the VM runs");

        manager.stop("demo1");

        assertEquals(VmState.STOPPED, manager.info("demo1").state());
        assertTrue(Host.kvmDescriptors().isEmpty(), "KVM descriptors left: " + Host.kvmDescriptors());
        assertTrue(Host.threadsNamed("celadon-demo1-vcpu").isEmpty(), "vCPU threads left");
        assertFalse(Host.mapped(ramStart, ramEnd), "guest RAM still mapped at 0x" + Long.toHexString(ramStart));
        assertTrue(console(manager, "demo1").contains("echo: hello celadon"), "the log outlives the run");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void theGuestPowersItselfOffThroughAcpi(String backend) throws Exception {
        setUp(backend);
        manager.create(def("off", 2, 64, "demo"));
        manager.start("off");
        awaitConsole(manager, "off", "echo ready", 30);
        manager.console("off").type("poweroff\n".getBytes(StandardCharsets.US_ASCII));
        awaitConsole(manager, "off", "powering off", 30);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (manager.info("off").state() != VmState.STOPPED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(VmState.STOPPED, manager.info("off").state(), manager.info("off").toString());
        assertEquals(null, manager.info("off").failureReason());
        assertTrue(Host.threadsNamed("celadon-off-vcpu").isEmpty(), "vCPU threads left after poweroff");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void sixVcpusAndSixGibibytes(String backend) throws Exception {
        setUp(backend);
        manager.create(def("big", 6, 6144, "demo"));
        manager.start("big");
        awaitConsole(manager, "big", "CELADON-DEMO cpus=6 mem_mib=6144", 30);
        for (int i = 0; i < 6; i++) {
            awaitConsole(manager, "big", "vcpu " + i + " up", 60);
        }
        awaitConsole(manager, "big", "all 6 vcpus up", 60);
        awaitConsole(manager, "big", "page 0x1bffff000 ok", 60);
        assertFalse(console(manager, "big").contains("MISMATCH"));
        manager.stop("big");
        assertEquals(VmState.STOPPED, manager.info("big").state());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void twoVmsAtOnceAndStoppingOneLeavesTheOther(String backend) throws Exception {
        setUp(backend);
        manager.create(def("a", 1, 64, "demo"));
        manager.create(def("b", 2, 128, "demo"));
        manager.start("a");
        manager.start("b");
        awaitConsole(manager, "a", "echo ready", 30);
        awaitConsole(manager, "b", "echo ready", 30);
        assertTrue(console(manager, "b").contains("all 2 vcpus up"), console(manager, "b"));

        manager.stop("a");

        assertEquals(VmState.STOPPED, manager.info("a").state());
        assertEquals(VmState.RUNNING, manager.info("b").state());
        manager.console("b").type("still here\n".getBytes(StandardCharsets.US_ASCII));
        awaitConsole(manager, "b", "echo: still here", 30);
        assertFalse(console(manager, "a").contains("still here"), "input went to the right VM only");
    }

    /**
     * PADDD with its operand in the MMIO hole. KVM cannot emulate it: the VM ends FAILED with an "emulation
     * failure" naming RIP, and can be started again. The emulator implements SSE and reads the unassigned address
     * as an open bus (all ones), as hardware does, so there the guest goes on and says so.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void paddFromTheMmioHoleFailsOnKvmAndRunsOnTheEmulator(String backend) throws Exception {
        setUp(backend);
        manager.create(def("bad", 1, 64, "faulty"));
        manager.start("bad");
        awaitConsole(manager, "bad", "CELADON-FAULTY", 30);
        if (!backend.equals("kvm")) {
            awaitConsole(manager, "bad", "CELADON-FAULTY still running", 30);
            assertEquals(VmState.RUNNING, manager.info("bad").state());
            manager.stop("bad");
            return;
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (manager.info("bad").state() != VmState.FAILED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(VmState.FAILED, manager.info("bad").state(), "state after the bad instruction");
        String reason = manager.info("bad").failureReason();
        assertNotNull(reason);
        assertTrue(reason.contains("RIP"), reason);
        assertTrue(reason.toLowerCase().contains("emulation"), reason);
        assertTrue(Host.threadsNamed("celadon-bad-vcpu").isEmpty(), "vCPU threads left after the failure");
        // A failed VM can be started again.
        manager.start("bad");
        awaitConsole(manager, "bad", "CELADON-FAULTY", 30);
    }
}
