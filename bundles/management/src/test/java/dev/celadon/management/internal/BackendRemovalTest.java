package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several backends at once, as DS binds them: a backend going away stops only the partitions on it. Two emulator
 * services under different names stand in for "KVM and the emulator", which cannot both run guests here.
 */
class BackendRemovalTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    @Test
    void removingOneBackendStopsOnlyItsPartitions() throws Exception {
        PartitionManagerImpl partitions = new PartitionManagerImpl(new LinuxGuestPack());
        EmulatorBackend first = new EmulatorBackend();
        EmulatorBackend second = new EmulatorBackend();
        partitions.register("emulator", 50, first);
        partitions.register("emulator-b", 60, second);
        manager = Host.manager(dir, partitions);
        manager.create(new VmDefinition("stays", 1, 64, "demo", null, null, null, "emulator"));
        manager.create(new VmDefinition("goes", 1, 64, "demo", null, null, null, "emulator-b"));
        manager.start("stays");
        manager.start("goes");
        awaitConsole(manager, "stays", "echo ready", 60);
        awaitConsole(manager, "goes", "echo ready", 60);

        partitions.removeBackend(second, Map.of(HypervisorBackend.NAME_PROPERTY, "emulator-b"));

        assertEquals(VmState.STOPPED, manager.info("goes").state());
        assertTrue(Host.threadsNamed("celadon-goes-").isEmpty(), Host.threadsNamed("celadon-goes-").toString());
        assertEquals(VmState.RUNNING, manager.info("stays").state());
        manager.console("stays").type("unharmed\n".getBytes(StandardCharsets.US_ASCII));
        awaitConsole(manager, "stays", "echo: unharmed", 60);
        assertTrue(manager.backendNames().contains("emulator") && !manager.backendNames().contains("emulator-b"),
                manager.backendNames().toString());
    }
}
