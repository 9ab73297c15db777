package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static dev.celadon.management.internal.Host.console;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A guest is hostile: garbage instructions, jumps and page tables outside RAM, a triple fault, an endless loop
 * with interrupts off. Each ends as FAILED with a reason (or, for the loop, keeps running until stopped, promptly),
 * never harming the host, and a neighbour VM keeps echoing throughout.
 */
class HostileGuestTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    static Stream<Arguments> cases() {
        return Host.guestBackends().flatMap(b -> Stream.of("garbage", "wildjump", "badpt", "triple")
                .map(g -> Arguments.of(b, g)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void aFaultingGuestEndsFailedWithAReasonAndItsNeighbourRuns(String backend, String guest) throws Exception {
        Host.requireBackend(backend);
        manager = Host.manager(dir);
        manager.create(new VmDefinition("neighbour", 1, 64, "demo", null, null, null, backend));
        manager.start("neighbour");
        awaitConsole(manager, "neighbour", "echo ready", 60);

        manager.create(new VmDefinition("bad", 1, 64, guest, null, null, null, backend));
        manager.start("bad");
        awaitConsole(manager, "bad", "CELADON-" + guest.toUpperCase(), 60);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (manager.info("bad").state() != VmState.FAILED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(VmState.FAILED, manager.info("bad").state(), guest + ": " + console(manager, "bad"));
        String reason = manager.info("bad").failureReason();
        assertNotNull(reason);
        assertTrue(reason.contains("RIP") || reason.contains("rip"), reason);
        System.out.println(guest + " on " + backend + " ended FAILED: " + reason);
        assertTrue(Host.threadsNamed("celadon-bad-vcpu").isEmpty(), "vCPU threads left after the failure");

        manager.console("neighbour").type("still alive\n".getBytes(StandardCharsets.US_ASCII));
        awaitConsole(manager, "neighbour", "echo: still alive", 60);
        assertEquals(VmState.RUNNING, manager.info("neighbour").state());
        manager.stop("neighbour");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void aGuestSpinningWithInterruptsOffStopsWithinASecond(String backend) throws Exception {
        Host.requireBackend(backend);
        manager = Host.manager(dir);
        manager.create(new VmDefinition("spin", 2, 64, "spin", null, null, null, backend));
        manager.start("spin");
        awaitConsole(manager, "spin", "CELADON-SPIN", 60);
        Thread.sleep(500);
        assertEquals(VmState.RUNNING, manager.info("spin").state(), "an endless loop is a running guest");
        long t0 = System.nanoTime();
        manager.stop("spin");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(VmState.STOPPED, manager.info("spin").state());
        assertTrue(ms < 1000, "vm:stop of a spinning guest took " + ms + " ms");
        assertTrue(Host.threadsNamed("celadon-spin-").isEmpty(), Host.threadsNamed("celadon-spin-").toString());
        assertFalse(console(manager, "spin").isEmpty());
    }
}
