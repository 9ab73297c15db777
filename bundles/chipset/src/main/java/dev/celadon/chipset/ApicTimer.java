package dev.celadon.chipset;

import static dev.celadon.chipset.ApicRegisters.LVT_MASKED;
import static dev.celadon.chipset.ApicRegisters.TIMER_MODE_MASK;
import static dev.celadon.chipset.ApicRegisters.TIMER_PERIODIC;
import static dev.celadon.chipset.ApicRegisters.TIMER_TSC_DEADLINE;

/**
 * The local APIC timer (SDM vol. 3 10.5.4): one-shot, periodic and TSC-deadline. Counting is done in APIC timer
 * ticks derived from the clock, never by a thread: a count started at tick {@code start} with divisor D reaches zero
 * at {@code start + count * D}. Periodic deadlines are kept in whole ticks from the start, so they do not drift, and
 * a late poll fires once and skips the missed periods (a guest that slept gets one tick, not a burst).
 *
 * <p>Not thread-safe: guarded by its {@link LocalApic}'s lock.
 */
final class ApicTimer {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final ChipsetClock clock;
    private final long hz;

    private int lvt = LVT_MASKED;
    private int initialCount;
    private int divideConfig;
    private long tscDeadline;

    // One-shot and periodic: the count in progress (the divisor is the one in force when it started).
    private boolean running;
    private long startTick;
    private long armedCount;
    private int armedDivisor;
    private long deadlineTick;

    ApicTimer(ChipsetClock clock, long hz) {
        this.clock = clock;
        this.hz = hz;
    }

    void reset() {
        lvt = LVT_MASKED;
        initialCount = 0;
        divideConfig = 0;
        tscDeadline = 0;
        running = false;
    }

    /** Divide configuration register bits 3, 1:0 (SDM figure 10-10): 000 = 2 ... 110 = 128, 111 = 1. */
    static int divisor(int config) {
        int v = (config & 3) | (config >> 1) & 4;
        return 1 << ((v + 1) & 7);
    }

    private long nowTicks() {
        return MulDiv.floor(clock.nanos(), hz, NANOS_PER_SECOND);
    }

    private long tickToNanos(long tick) {
        return MulDiv.ceil(tick, NANOS_PER_SECOND, hz);
    }

    private int mode() {
        return lvt & TIMER_MODE_MASK;
    }

    int lvt() {
        return lvt;
    }

    void writeLvt(int value) {
        int oldMode = mode();
        int newMode = value & TIMER_MODE_MASK;
        if (oldMode != newMode && (oldMode == TIMER_TSC_DEADLINE || newMode == TIMER_TSC_DEADLINE)) {
            // SDM 10.5.4.1: switching to or from TSC-deadline mode disarms the timer.
            running = false;
            initialCount = 0;
            tscDeadline = 0;
        } else if (oldMode == TIMER_PERIODIC && newMode != TIMER_PERIODIC && running) {
            // Periodic to one-shot: finish the current period, then stop.
            long period = armedCount * armedDivisor;
            startTick += (nowTicks() - startTick) / period * period;
            deadlineTick = startTick + period;
        }
        lvt = value;
    }

    int initialCount() {
        return initialCount;
    }

    void writeInitialCount(int value) {
        if (mode() == TIMER_TSC_DEADLINE) {
            return; // ignored in TSC-deadline mode
        }
        initialCount = value;
        running = value != 0; // writing 0 stops the timer
        if (running) {
            startTick = nowTicks();
            armedCount = Integer.toUnsignedLong(value);
            armedDivisor = divisor(divideConfig);
            deadlineTick = startTick + armedCount * armedDivisor;
        }
    }

    int divideConfig() {
        return divideConfig;
    }

    /** Takes effect at the next initial-count write; a count in progress keeps its divisor. */
    void writeDivideConfig(int value) {
        divideConfig = value & 0xB;
    }

    int currentCount() {
        if (mode() == TIMER_TSC_DEADLINE || !running) {
            return 0;
        }
        long decrements = (nowTicks() - startTick) / armedDivisor;
        if (mode() == TIMER_PERIODIC) {
            return (int) (armedCount - decrements % armedCount);
        }
        return decrements >= armedCount ? 0 : (int) (armedCount - decrements);
    }

    long tscDeadline() {
        return mode() == TIMER_TSC_DEADLINE ? tscDeadline : 0;
    }

    /** Writes outside TSC-deadline mode are ignored (SDM 10.5.4.1); 0 disarms. */
    void writeTscDeadline(long value) {
        if (mode() == TIMER_TSC_DEADLINE) {
            tscDeadline = value;
        }
    }

    /** Whether the timer expired by now; consumes the expiry (reloads a periodic count, disarms the others). */
    boolean poll() {
        if (mode() == TIMER_TSC_DEADLINE) {
            if (tscDeadline != 0 && clock.nanos() >= clock.tscToNanos(tscDeadline)) {
                tscDeadline = 0;
                return true;
            }
            return false;
        }
        if (!running) {
            return false;
        }
        long now = nowTicks();
        if (now < deadlineTick) {
            return false;
        }
        if (mode() == TIMER_PERIODIC) {
            long period = armedCount * armedDivisor;
            startTick += (now - startTick) / period * period;
            deadlineTick = startTick + period;
        } else {
            running = false;
        }
        return true;
    }

    long nextDeadlineNanos() {
        if (mode() == TIMER_TSC_DEADLINE) {
            return tscDeadline == 0 ? Long.MAX_VALUE : clock.tscToNanos(tscDeadline);
        }
        return running ? tickToNanos(deadlineTick) : Long.MAX_VALUE;
    }
}
