package dev.celadon.chipset;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A processor as the tests see it: what its APIC asked of it, and guest-style register access. */
final class Cpu implements ProcessorControl {
    final AtomicInteger wakes = new AtomicInteger();
    final AtomicInteger nmis = new AtomicInteger();
    final AtomicInteger inits = new AtomicInteger();
    final List<Integer> startups = new CopyOnWriteArrayList<>();
    volatile Runnable onWake = () -> { };
    LocalApic apic;

    @Override
    public void interruptPending() {
        wakes.incrementAndGet();
        onWake.run();
    }

    @Override
    public void nmi() {
        nmis.incrementAndGet();
    }

    @Override
    public void init() {
        inits.incrementAndGet();
    }

    @Override
    public void startup(int vector) {
        startups.add(vector);
    }

    int read(int offset) {
        return (int) apic.mmioRead(offset, 4);
    }

    void write(int offset, int value) {
        apic.mmioWrite(offset, 4, Integer.toUnsignedLong(value));
    }

    /** SVR: APIC software-enabled, spurious vector 0xFF. */
    Cpu enable() {
        write(0xF0, 0x1FF);
        return this;
    }

    /** Whether the IRR register bit of {@code vector} is set, read as the guest does (IRR at 0x200). */
    boolean irr(int vector) {
        return bit(0x200, vector);
    }

    boolean isr(int vector) {
        return bit(0x100, vector);
    }

    boolean tmr(int vector) {
        return bit(0x180, vector);
    }

    private boolean bit(int base, int vector) {
        return (read(base + (vector >> 5) * 0x10) >>> (vector & 31) & 1) != 0;
    }

    /** ESR after the write that latches it. */
    int esr() {
        write(0x280, 0);
        return read(0x280);
    }

    static Cpu[] bus(ApicBus bus, int n) {
        Cpu[] cpus = new Cpu[n];
        for (int i = 0; i < n; i++) {
            cpus[i] = new Cpu();
            cpus[i].apic = bus.addProcessor(i, cpus[i]);
        }
        return cpus;
    }
}
