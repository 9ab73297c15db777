package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.ic.internal.IntegrationServicesComponent;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmState;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Devices for every VM (VmbusServiceProvider) on a running micro-guest, whose guest never speaks VMBus: the real
 * integration services provider's channels are offered at start, shown in vm:info, hot-added when the
 * provider arrives after the start and rescinded when it leaves; the VM keeps running, and the run's IC thread
 * ends with its devices.
 */
class ServiceProviderTest {

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
    void serviceDevicesComeAndGoWithTheirProvider(String backend) throws Exception {
        Host.requireBackend(backend);
        manager = Host.manager(dir);
        IntegrationServicesComponent ic = new IntegrationServicesComponent();
        manager.addServiceProvider(ic);
        manager.create(new VmDefinition("svc", 1, 64, "demo", null, null, null, backend));
        manager.start("svc");
        awaitConsole(manager, "svc", "echo ready", 60);
        Map<String, String> rt = manager.info("svc").runtime();
        // Shutdown and heartbeat; no time sync, as this partition has no TIME_REF_COUNT (no hv-timing here).
        assertEquals("2", rt.get("vmbus-channels"), "offered at start, no definition entry: " + rt);
        assertEquals("shutdown IC: not connected: the guest has not opened the channel", rt.get("ic.shutdown"));
        assertTrue(rt.get("ic.heartbeat").startsWith("heartbeat IC: not connected"), rt.toString());
        assertFalse(rt.containsKey("ic.timesync"), rt.toString());

        manager.removeServiceProvider(ic); // its bundle stops: rescinded (the guest never asked: at once) and closed
        rt = manager.info("svc").runtime();
        assertFalse(rt.containsKey("ic.heartbeat"), rt.toString());
        assertEquals("0", rt.get("vmbus-channels"), rt.toString());
        assertEquals(VmState.RUNNING, manager.info("svc").state());
        assertTrue(ic.services("svc").isEmpty(), "the run is forgotten");

        IntegrationServicesComponent again = new IntegrationServicesComponent();
        manager.addServiceProvider(again); // arrives while the VM runs: hot add
        rt = manager.info("svc").runtime();
        assertEquals("2", rt.get("vmbus-channels"), rt.toString());
        assertTrue(rt.containsKey("ic.shutdown") && rt.containsKey("ic.heartbeat"), rt.toString());

        manager.stop("svc");
        assertTrue(again.services("svc").isEmpty(), "closed with the run");
        assertTrue(Host.threadsNamed("ic-svc").isEmpty(), Host.threadsNamed("ic-svc").toString());
        assertTrue(Host.threadsNamed("celadon-svc-").isEmpty(), Host.threadsNamed("celadon-svc-").toString());
    }
}
