package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The LAPIC timer (SDM vol. 3 10.5.4) against a test clock: firing times, current count, divide, modes. */
class TimerTest {
    private static final int LVT_TIMER = 0x320, INITIAL = 0x380, CURRENT = 0x390, DIVIDE = 0x3E0;
    private static final int PERIODIC = 1 << 17, DEADLINE = 2 << 17, MASKED = 1 << 16;

    private final TestClock clock = new TestClock(2_000_000_000L);

    private Cpu cpu(long timerHz) {
        return Cpu.bus(new ApicBus(clock, timerHz), 1)[0].enable();
    }

    /** Acknowledges and ends the pending interrupt; returns its vector or -1. */
    private static int take(Cpu cpu) {
        int v = cpu.apic.acknowledge();
        if (v >= 0) {
            cpu.write(0xB0, 0);
        }
        return v;
    }

    @Test
    void oneShotFiresOnceAtTheRightTime() {
        Cpu cpu = cpu(1_000_000_000L);
        clock.set(5_000);
        cpu.write(DIVIDE, 0xB); // divide by 1
        cpu.write(LVT_TIMER, 0x40);
        cpu.write(INITIAL, 1000);
        assertEquals(6_000, cpu.apic.nextTimerDeadlineNanos());
        clock.advance(999);
        cpu.apic.updateTimer();
        assertFalse(cpu.apic.hasDeliverable());
        assertEquals(1, cpu.read(CURRENT));
        int wakes = cpu.wakes.get();
        clock.advance(1);
        cpu.apic.updateTimer();
        assertEquals(wakes + 1, cpu.wakes.get(), "the expiry wakes the processor");
        assertEquals(0x40, take(cpu));
        assertEquals(0, cpu.read(CURRENT));
        assertEquals(Long.MAX_VALUE, cpu.apic.nextTimerDeadlineNanos());
        clock.advance(10_000);
        cpu.apic.updateTimer();
        assertEquals(-1, take(cpu), "one-shot");
        assertEquals(1000, cpu.read(INITIAL), "initial count keeps its value");
    }

    @Test
    void currentCountDecreasesAtTheDividedRate() {
        Cpu cpu = cpu(100_000_000L); // 10 ns per tick
        cpu.write(DIVIDE, 0x3); // divide by 16: one decrement per 160 ns
        cpu.write(LVT_TIMER, 0x40 | MASKED);
        cpu.write(INITIAL, 100);
        assertEquals(100, cpu.read(CURRENT));
        clock.advance(159);
        assertEquals(100, cpu.read(CURRENT));
        clock.advance(1);
        assertEquals(99, cpu.read(CURRENT));
        clock.advance(160 * 89);
        assertEquals(10, cpu.read(CURRENT));
        assertEquals(16_000, cpu.apic.nextTimerDeadlineNanos());

        // Every divide encoding (SDM figure 10-10): 000 = 2 ... 110 = 128, 111 = 1.
        int[] codes = {0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xA, 0xB};
        int[] divisors = {2, 4, 8, 16, 32, 64, 128, 1};
        for (int i = 0; i < codes.length; i++) {
            cpu.write(DIVIDE, codes[i]);
            assertEquals(codes[i], cpu.read(DIVIDE));
            cpu.write(INITIAL, 1000);
            long start = clock.nanos();
            clock.advance(10L * divisors[i] * 7);
            assertEquals(993, cpu.read(CURRENT), "divide by " + divisors[i]);
            assertEquals(start + 10_000L * divisors[i], cpu.apic.nextTimerDeadlineNanos());
        }
        cpu.write(INITIAL, 0);
        assertEquals(0, cpu.read(CURRENT), "writing 0 stops the timer");
        assertEquals(Long.MAX_VALUE, cpu.apic.nextTimerDeadlineNanos());
    }

    @Test
    void periodicTimerDoesNotDrift() {
        // 300 MHz, count 7: a period is 23.33 ns, never a whole number of nanoseconds.
        Cpu cpu = cpu(300_000_000L);
        cpu.write(DIVIDE, 0xB);
        cpu.write(LVT_TIMER, 0x40 | PERIODIC);
        cpu.write(INITIAL, 7);
        for (long k = 1; k <= 3000; k++) {
            long deadline = cpu.apic.nextTimerDeadlineNanos();
            assertEquals((k * 70 + 2) / 3, deadline, "period " + k + " ends at ceil(k * 70 / 3) ns");
            clock.set(deadline);
            cpu.apic.updateTimer();
            assertEquals(0x40, take(cpu), "period " + k);
        }
    }

    @Test
    void periodicTimerCoalescesMissedPeriods() {
        Cpu cpu = cpu(1_000_000_000L);
        cpu.write(DIVIDE, 0xB);
        cpu.write(LVT_TIMER, 0x41 | PERIODIC);
        cpu.write(INITIAL, 1000);
        clock.set(1_000_000_250); // a million periods slept through
        assertEquals(750, cpu.read(CURRENT), "reloaded each period while nobody looked");
        cpu.apic.updateTimer();
        assertEquals(0x41, take(cpu));
        cpu.apic.updateTimer();
        assertEquals(-1, take(cpu), "one interrupt for the missed periods, not a burst");
        assertEquals(1_000_001_000, cpu.apic.nextTimerDeadlineNanos(), "still on the original period grid");
        clock.set(1_000_001_000);
        cpu.apic.updateTimer();
        assertEquals(0x41, take(cpu));
    }

    @Test
    void periodicToOneShotFinishesTheCurrentPeriod() {
        Cpu cpu = cpu(1_000_000_000L);
        cpu.write(DIVIDE, 0xB);
        cpu.write(LVT_TIMER, 0x41 | PERIODIC);
        cpu.write(INITIAL, 1000);
        clock.set(2_400);
        cpu.write(LVT_TIMER, 0x41);
        assertEquals(600, cpu.read(CURRENT));
        assertEquals(3_000, cpu.apic.nextTimerDeadlineNanos());
        clock.set(3_000);
        cpu.apic.updateTimer();
        assertEquals(0x41, take(cpu));
        assertEquals(Long.MAX_VALUE, cpu.apic.nextTimerDeadlineNanos());
    }

    @Test
    void timesStayExactAfterHoursOfUptime() {
        Cpu cpu = cpu(300_000_000L);
        clock.set(36_000_000_000_001L); // ten hours: tick * 10^9 no longer fits a long
        cpu.write(DIVIDE, 0xB);
        cpu.write(LVT_TIMER, 0x40 | PERIODIC);
        cpu.write(INITIAL, 7);
        // now is tick floor(36e12 * 0.3 + 0.3) = 10_800_000_000_000; the first period ends 7 ticks later.
        long end = (10_800_000_000_007L * 10 + 2) / 3;
        assertEquals(end, cpu.apic.nextTimerDeadlineNanos());
        clock.set(end - 1);
        cpu.apic.updateTimer();
        assertEquals(-1, take(cpu));
        clock.set(end);
        cpu.apic.updateTimer();
        assertEquals(0x40, take(cpu));
    }

    @Test
    void maskedTimerCountsButDoesNotInterrupt() {
        Cpu cpu = cpu(1_000_000_000L);
        cpu.write(DIVIDE, 0xB);
        cpu.write(LVT_TIMER, 0x40 | MASKED);
        cpu.write(INITIAL, 100);
        clock.advance(100);
        cpu.apic.updateTimer();
        assertFalse(cpu.apic.hasDeliverable());
        assertEquals(0, cpu.read(CURRENT));
        assertEquals(Long.MAX_VALUE, cpu.apic.nextTimerDeadlineNanos());
    }

    @Test
    void tscDeadlineMode() {
        Cpu cpu = cpu(1_000_000_000L);
        LocalApic apic = cpu.apic;
        apic.writeMsr(0x6E0, 5_000);
        assertEquals(0, apic.readMsr(0x6E0), "ignored outside TSC-deadline mode");
        cpu.write(LVT_TIMER, 0x42 | DEADLINE);
        clock.set(1_000);
        apic.writeMsr(0x6E0, 5_000); // TSC at 2 GHz: 2500 ns
        assertEquals(5_000, apic.readMsr(0x6E0));
        assertEquals(2_500, apic.nextTimerDeadlineNanos());
        cpu.write(INITIAL, 50);
        assertEquals(0, cpu.read(INITIAL), "initial count ignored in TSC-deadline mode");
        assertEquals(0, cpu.read(CURRENT));
        clock.set(2_499);
        apic.updateTimer();
        assertFalse(apic.hasDeliverable());
        clock.set(2_500);
        apic.updateTimer();
        assertEquals(0x42, take(cpu));
        assertEquals(0, apic.readMsr(0x6E0), "disarmed once fired");
        assertEquals(Long.MAX_VALUE, apic.nextTimerDeadlineNanos());

        apic.writeMsr(0x6E0, 1); // in the past: fires at the next poll
        apic.updateTimer();
        assertEquals(0x42, take(cpu));

        apic.writeMsr(0x6E0, 1_000_000);
        cpu.write(LVT_TIMER, 0x42); // leaving the mode disarms
        cpu.write(LVT_TIMER, 0x42 | DEADLINE);
        assertEquals(0, apic.readMsr(0x6E0));
        assertEquals(Long.MAX_VALUE, apic.nextTimerDeadlineNanos());
    }

    @Test
    void initResetStopsTheTimer() {
        ApicBus bus = new ApicBus(clock);
        Cpu[] cpus = Cpu.bus(bus, 2);
        cpus[0].enable();
        cpus[1].enable();
        cpus[1].write(LVT_TIMER, 0x40 | PERIODIC);
        cpus[1].write(INITIAL, 100);
        cpus[0].write(0x310, 1 << 24);
        cpus[0].write(0x300, 0x4500); // INIT to APIC 1
        assertEquals(1, cpus[1].inits.get());
        assertEquals(0x10000, cpus[1].read(LVT_TIMER));
        assertEquals(0, cpus[1].read(INITIAL));
        assertTrue(cpus[1].apic.nextTimerDeadlineNanos() == Long.MAX_VALUE);
    }
}
