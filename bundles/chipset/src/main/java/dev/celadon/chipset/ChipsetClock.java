package dev.celadon.chipset;

/**
 * The partition's virtual time, which the APIC timers count against. The chipset has no threads: the owner polls
 * {@link LocalApic#updateTimer()} and sleeps until {@link LocalApic#nextTimerDeadlineNanos()}.
 *
 * <p>The TSC is {@code nanos() * tscHz() / 10^9} unless an implementation overrides the conversions (a backend whose
 * RDTSC has an offset overrides both, consistently).
 */
@org.osgi.annotation.versioning.ConsumerType
public interface ChipsetClock {

    /** Virtual time of the partition in nanoseconds; never decreases. */
    long nanos();

    /** TSC frequency in Hz, for TSC-deadline mode. */
    long tscHz();

    /** The guest's TSC at virtual time {@code nanos}. */
    default long nanosToTsc(long nanos) {
        return MulDiv.floor(nanos, tscHz(), 1_000_000_000L);
    }

    /** The first virtual time at which the TSC reads at least {@code tsc} (unsigned; Long.MAX_VALUE if never). */
    default long tscToNanos(long tsc) {
        if (tsc < 0) {
            return Long.MAX_VALUE; // above 2^63 ticks: centuries away
        }
        return MulDiv.ceil(tsc, 1_000_000_000L, tscHz());
    }
}
