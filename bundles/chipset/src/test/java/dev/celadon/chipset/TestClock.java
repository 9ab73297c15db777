package dev.celadon.chipset;

import java.util.concurrent.atomic.AtomicLong;

/** Virtual time that moves only when a test advances it. */
final class TestClock implements ChipsetClock {
    private final AtomicLong nanos = new AtomicLong();
    private final long tscHz;

    TestClock(long tscHz) {
        this.tscHz = tscHz;
    }

    TestClock() {
        this(2_000_000_000L);
    }

    @Override
    public long nanos() {
        return nanos.get();
    }

    @Override
    public long tscHz() {
        return tscHz;
    }

    void advance(long delta) {
        nanos.addAndGet(delta);
    }

    void set(long t) {
        nanos.set(t);
    }
}
