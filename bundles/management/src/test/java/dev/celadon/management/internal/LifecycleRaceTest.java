package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.guest.linux.kit.GuestKit;
import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionManager;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import dev.celadon.loader.internal.KernelLoader;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import dev.celadon.management.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Races between a start and an operator: nothing a start makes may outlive a forced delete; consoles cannot stall. */
class LifecycleRaceTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    /** The real partition manager, holding each new partition back until the test lets it go. */
    static final class SlowCreate implements PartitionManager {
        final PartitionManagerImpl real;
        final CountDownLatch created = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);

        SlowCreate(PartitionManagerImpl real) {
            this.real = real;
        }

        @Override
        public Partition create(PartitionConfig config) {
            Partition p = real.create(config);
            created.countDown();
            try {
                proceed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return p;
        }

        @Override
        public Collection<Partition> partitions() {
            return real.partitions();
        }

        @Override
        public List<BackendInfo> backends() {
            return real.backends();
        }

        @Override
        public BackendInfo resolveBackend(String requested) {
            return real.resolveBackend(requested);
        }

        @Override
        public void checkLimits(String backend, int vpCount, long memoryBytes) {
            real.checkLimits(backend, vpCount, memoryBytes);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void aForcedDeleteDuringStartLeavesNoPartition(String backend) throws Exception {
        Host.requireBackend(backend);
        PartitionManagerImpl real = Host.partitions();
        SlowCreate slow = new SlowCreate(real);
        manager = new VmManagerImpl(slow, new HyperVService(), new KernelLoader(), dir, GuestKit::new);
        manager.create(new VmDefinition("racer", 2, 64, "demo", null, null, null, backend));
        CompletableFuture<Void> start = CompletableFuture.runAsync(() -> manager.start("racer"));
        assertTrue(slow.created.await(30, TimeUnit.SECONDS), "the start made its partition");
        assertEquals(VmState.STARTING, manager.info("racer").state());

        manager.delete("racer", true);
        slow.proceed.countDown();

        Exception e = assertThrows(Exception.class, () -> start.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof VmException && e.getCause().getMessage().contains("cancelled"),
                String.valueOf(e.getCause()));
        assertTrue(real.partitions().isEmpty(), "a partition outlived the deleted VM: " + real.partitions());
        assertTrue(Host.threadsNamed("celadon-racer-").isEmpty(), Host.threadsNamed("celadon-racer-").toString());
        assertFalse(Files.exists(dir.resolve("racer.json")));
        assertThrows(VmException.class, () -> manager.info("racer"));
        // The name is free again, and a new VM by it runs.
        manager.create(new VmDefinition("racer", 1, 64, "demo", null, null, null, backend));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void aStalledConsoleClientStallsNeitherTheGuestNorAStop(String backend) throws Exception {
        Host.requireBackend(backend);
        manager = Host.manager(dir);
        manager.create(new VmDefinition("talk", 1, 64, "demo", null, null, null, backend));
        manager.start("talk");
        awaitConsole(manager, "talk", "echo ready", 60);
        CountDownLatch never = new CountDownLatch(1);
        AutoCloseable stalled = manager.console("talk").follow(bytes -> {
            try {
                never.await(); // a client whose terminal stopped reading
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            line.append("line-").append(i).append(' ');
        }
        for (int i = 0; i < 20; i++) {
            manager.console("talk").type((line + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        manager.console("talk").type("last one\n".getBytes(StandardCharsets.US_ASCII));
        awaitConsole(manager, "talk", "echo: last one", 60);
        long t0 = System.nanoTime();
        manager.stop("talk");
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 5000, "stop waited for a stalled console client");
        assertEquals(VmState.STOPPED, manager.info("talk").state());
        assertTrue(Host.threadsNamed("celadon-talk-vcpu").isEmpty());
        stalled.close();
    }
}
