package dev.celadon.loopback.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loopback local APIC's fixed-interrupt rules: priority classes, merging, EOI order and callbacks. */
class LocalApicTest {

    @Test
    void highestFirstAndOnlyAboveTheClassInService() {
        LocalApic apic = new LocalApic();
        apic.request(0x30, null);
        apic.request(0x50, null);
        assertEquals(0x50, apic.acknowledge());
        apic.request(0x55, null); // same class as 0x50 in service: waits
        assertEquals(-1, apic.acknowledge());
        apic.request(0x61, null); // higher class: nests
        assertEquals(0x61, apic.acknowledge());
        apic.eoi(); // ends 0x61
        assertEquals(-1, apic.acknowledge(), "0x50 still in service");
        apic.eoi(); // ends 0x50
        assertEquals(0x55, apic.acknowledge());
        apic.eoi();
        assertEquals(0x30, apic.acknowledge());
        apic.eoi();
        assertEquals(-1, apic.acknowledge());
        assertTrue(apic.eoi().isEmpty(), "an EOI with nothing in service is ignored");
    }

    @Test
    void mergedRequestsRunTheirCallbacksAtTheEoi() {
        LocalApic apic = new LocalApic();
        List<String> ran = new ArrayList<>();
        apic.request(0xF3, () -> ran.add("a"));
        apic.request(0xF3, () -> ran.add("b")); // merged into the pending bit
        assertEquals(0xF3, apic.acknowledge());
        assertEquals(-1, apic.acknowledge(), "one interrupt for both");
        apic.request(0xF3, () -> ran.add("c")); // arrives while in service: pending again, its own callback
        apic.eoi().forEach(Runnable::run);
        assertEquals(List.of("a", "b"), ran);
        assertEquals(0xF3, apic.acknowledge());
        apic.eoi().forEach(Runnable::run);
        assertEquals(List.of("a", "b", "c"), ran);
    }

    @Test
    void exceptionVectorsAreDroppedAndOthersRefused() {
        LocalApic apic = new LocalApic();
        apic.request(3, null);
        assertEquals(-1, apic.acknowledge());
        assertEquals(1, apic.illegal());
        assertThrows(IllegalArgumentException.class, () -> apic.request(256, null));
        for (int i = 0; i < 100; i++) {
            apic.request(0x40, () -> { });
        }
        assertEquals(0x40, apic.acknowledge());
        assertEquals(LocalApic.MAX_CALLBACKS, apic.eoi().size(), "callbacks of merged requests are bounded");
    }

    @Test
    void awaitReturnsAtTheDeadlineOrAtStop() throws InterruptedException {
        LocalApic apic = new LocalApic();
        long t0 = System.nanoTime();
        assertEquals(-1, apic.await(t0 + 20_000_000L));
        assertTrue(System.nanoTime() - t0 >= 20_000_000L);
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
            apic.stop();
        });
        stopper.start();
        assertEquals(-1, apic.await(System.nanoTime() + 10_000_000_000L));
        stopper.join();
    }
}
