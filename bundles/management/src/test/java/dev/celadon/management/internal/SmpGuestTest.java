package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static dev.celadon.management.internal.Host.console;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.management.VmDefinition;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several vCPUs truly in parallel: LOCK-prefixed and XCHG-based counters from every vCPU add up exactly, and a
 * message-passing litmus test (plain stores of data, then a flag) never observes stale data, as x86-TSO promises.
 */
class SmpGuestTest {

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
    void countersAddUpAndNoStaleReadIsSeen(String backend) throws Exception {
        Host.requireBackend(backend);
        manager = Host.manager(dir);
        manager.create(new VmDefinition("smp", 4, 64, "smp", null, null, "count=5000 rounds=1000 sb=1000", backend));
        manager.start("smp");
        awaitConsole(manager, "smp", "CELADON-SMP cpus=4 up=4", 120);
        awaitConsole(manager, "smp", "CELADON-SMP done", 300);
        String out = console(manager, "smp");
        System.out.println(out);
        assertTrue(out.contains("CELADON-SMP counters ok total=80000"), out);
        assertTrue(out.contains("CELADON-SMP litmus ok"), out);
        assertFalse(out.contains("MISMATCH") || out.contains("STALE"), out);
    }
}
