package dev.celadon.emulator.internal;

import dev.celadon.chipset.ChipsetClock;

/**
 * The partition's time: host monotonic nanoseconds since the partition was made, and a TSC derived from it at a
 * fixed, advertised frequency. One clock per partition, so every vCPU reads the same TSC (Linux then skips its TSC
 * synchronisation checks) and the APIC timers count in the same time.
 */
final class VirtualClock implements ChipsetClock {

    /** 1 GHz: the TSC counts nanoseconds, which keeps the conversions exact. */
    static final long TSC_HZ = 1_000_000_000L;
    /** The APIC timer's input clock before its divider, as CPUID 0x15-less Linux would have to calibrate it. */
    static final long APIC_TIMER_HZ = 1_000_000_000L;

    private final long origin = System.nanoTime();

    @Override
    public long nanos() {
        return System.nanoTime() - origin;
    }

    @Override
    public long tscHz() {
        return TSC_HZ;
    }

    long tsc() {
        return nanos(); // TSC_HZ = 10^9
    }
}
