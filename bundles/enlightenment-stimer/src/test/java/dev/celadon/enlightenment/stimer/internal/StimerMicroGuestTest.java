package dev.celadon.enlightenment.stimer.internal;

import dev.celadon.test.support.TestGrant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.enlightenment.timing.internal.TimingEnlightenment;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * guest-micro's hvenl ({@code part=2}) on the real emulator through the real core, with the stimer and timing
 * enlightenments registered as DS registers them while their licences hold: the timers as the guest sees them.
 */
class StimerMicroGuestTest {

    static final int SYNTIMER = 1 << 3, DIRECT_MODE = 1 << 19;

    private final PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
    private final StimerEnlightenment stimer = new StimerEnlightenment(TestGrant.of("hv-stimer", StimerEnlightenment.BSN));
    private final TimingEnlightenment timing = new TimingEnlightenment(TestGrant.of("hv-timing", "dev.celadon.enlightenment.timing"));

    StimerMicroGuestTest() {
        pm.register("emulator", 50, new EmulatorBackend());
    }

    private Partition create(String name) {
        return pm.create(new PartitionConfig(name, 1, 32L << 20, "emulator"));
    }

    private static GuestConsole run(Partition p) throws InterruptedException {
        GuestConsole con = GuestConsole.boot(p, "hvenl", "part=2");
        con.await("hvenl done");
        assertEquals(PartitionState.RUNNING, p.state(), p.failureReason().orElse("") + "\n" + con.text());
        p.stop();
        return con;
    }

    @Test
    void directOneShotAndPeriodicTimersInterruptWithTheirVectorsAndMessageTimersFollowThePendingProtocol() throws Exception {
        pm.register(stimer);
        pm.register(timing);
        Partition p = create("stimer-on");
        assertEquals(List.of("hv-timing", "hv-stimer"), new HyperVService().of(p).orElseThrow().enlightenments(),
                "timing first: stimer requires it");
        GuestConsole con = run(p);

        assertEquals(SYNTIMER, con.field("features", "features", 16) & SYNTIMER);
        assertEquals(DIRECT_MODE, con.field("features", "misc", 16) & DIRECT_MODE);
        assertEquals("0", con.value("stimer gp"));
        assertEquals("1", con.value("stimer-reserved gp"));
        assertEquals("1", con.value("stimer-low-vector gp"));
        assertEquals("1", con.value("stimer-bad-sint gp"), "SINTx is 4 bits: bit 20 is reserved");

        // One-shot, direct: the COUNT write enabled it (auto-enable), it fired once, not early, and disabled itself.
        assertEquals(0x1409, con.field("oneshot armed", "config", 16), "vector 0x40, direct, auto-enable, enabled");
        long expiry = con.field("oneshot fired", "expiry", 10), at = con.field("oneshot fired", "at", 10);
        assertEquals(1, con.field("oneshot fired", "fired", 10));
        assertTrue(at >= expiry, "delivered at " + at + ", before its expiry " + expiry);
        assertTrue(at < expiry + 10_000_000, "delivered within a second: " + (at - expiry));
        assertEquals(0x1408, con.field("oneshot fired", "config-after", 16), "the enable bit cleared on expiry");
        assertEquals(1, con.field("oneshot count-after", "count-after", 10), "one-shot: no second interrupt");

        // Periodic, direct: ticks on vector 0x41 until CONFIG is cleared.
        long ticks = con.field("periodic", "ticks", 10);
        assertTrue(ticks >= 4, "ticks " + ticks);
        assertTrue(con.field("periodic", "last", 10) > con.field("periodic", "first", 10));
        assertTrue(con.field("periodic", "extra", 10) <= 1, "stopped by CONFIG 0 (one tick may be in flight)");

        // Message mode: HVMSG_TIMER_EXPIRED in SINT3 with the timer index and its times.
        assertEquals(0x80000010L, con.field("message", "type", 16));
        assertEquals(24, con.field("message", "size", 10));
        assertEquals(2, con.field("message", "timer", 10));
        long mexp = con.field("message", "expected", 10);
        assertEquals(mexp, con.field("message", "expiration", 10), "the deadline the guest wrote");
        assertTrue(con.field("message", "delivery", 10) >= mexp);
        // A periodic message timer behind a busy slot: pending flag, EOM, then the next (later) expiration.
        assertEquals(1, con.field("held", "pending", 10));
        assertEquals(3, con.field("held", "timer", 10));
        assertEquals(1, con.field("held", "next-later", 10));
        assertTrue(con.field("interrupts", "sint", 10) >= 2, "SINT3 interrupted for each message");
    }

    @Test
    void withoutItsLicenceOrWithoutTimingTheGuestHasNoSyntheticTimers() throws Exception {
        pm.register(stimer); // timing absent: stimer needs the reference counter, so it is left out
        Partition alone = create("stimer-alone");
        assertEquals(List.of(), new HyperVService().of(alone).orElseThrow().enlightenments());
        GuestConsole a = run(alone);
        assertEquals(0, a.field("features", "features", 16) & SYNTIMER);
        assertEquals(0, a.field("features", "misc", 16) & DIRECT_MODE);
        assertEquals("1", a.value("stimer gp"));

        pm.withdraw(stimer, false);
        pm.register(timing);
        Partition unlicensed = create("stimer-off");
        assertEquals(List.of("hv-timing"), new HyperVService().of(unlicensed).orElseThrow().enlightenments());
        GuestConsole u = run(unlicensed);
        assertEquals(0, u.field("features", "features", 16) & SYNTIMER, "Linux keeps the LAPIC timer");
        assertEquals("1", u.value("stimer gp"));
    }
}
