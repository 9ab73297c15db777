package dev.celadon.loopback.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.Register;
import dev.celadon.hypervisor.api.Segment;
import dev.celadon.hypervisor.api.SegmentState;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import dev.celadon.loopback.LoopbackGuest;
import dev.celadon.loopback.LoopbackVp;
import dev.celadon.loopback.VpStoppedException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtual processor of a loopback partition: a Java thread running the partition's {@link LoopbackGuest},
 * and the register file the core's exit handlers read and write. The processor presents itself as a 64-bit
 * kernel at CPL 0 (EFER.LMA, CS.L, CS.RPL 0), which is what the Hyper-V layer requires of a hypercall's caller.
 * MSR accesses and hypercalls go to the core's {@link ExitHandler} with the registers set as the instruction
 * would set them, exactly as the emulator's exits do; IA32_X2APIC_EOI is served by this processor's APIC.
 */
final class LoopbackProcessor implements VirtualProcessor, LoopbackVp {

    private static final Logger LOG = LoggerFactory.getLogger(LoopbackProcessor.class);
    static final int X2APIC_EOI = 0x80B;
    static final long EFER_LME = 1L << 8;
    static final long CR0_PE = 1, CR0_PG = 1L << 31, CR4_PAE = 1L << 5;
    /** Long-mode code: type 0xB (execute/read, accessed), S, P, L; DPL 0. */
    static final SegmentState CODE64 = new SegmentState(0x10, 0, 0xFFFFFFFF, 0x209B);
    /** Data: type 3 (read/write, accessed), S, P, D/B, G. */
    static final SegmentState DATA = new SegmentState(0x18, 0, 0xFFFFFFFF, 0xC093);

    private final LoopbackPartition partition;
    private final int index;
    private final ExitHandler exits;
    private final LocalApic apic = new LocalApic();
    private final long[] registers = new long[Register.values().length];
    private final Map<Long, CpuidResult> cpuid = new HashMap<>();
    private final AtomicLong hypercalls = new AtomicLong();
    private final AtomicLong msrExits = new AtomicLong();
    private volatile boolean stopRequested;
    private volatile Thread thread;

    LoopbackProcessor(LoopbackPartition partition, int index, ExitHandler exits) {
        this.partition = partition;
        this.index = index;
        this.exits = exits;
        registers[Register.EFER.ordinal()] = EFER_LME | EFER_LMA;
        registers[Register.CR0.ordinal()] = CR0_PE | CR0_PG;
        registers[Register.CR4.ordinal()] = CR4_PAE;
        registers[Register.RFLAGS.ordinal()] = 0x202; // IF set: "sti; hlt" is what awaitInterrupt models
    }

    LocalApic apic() {
        return apic;
    }

    Thread thread() {
        return thread;
    }

    long hypercallCount() {
        return hypercalls.get();
    }

    long msrExitCount() {
        return msrExits.get();
    }

    void setCpuid(List<CpuidEntry> entries) {
        for (CpuidEntry e : entries) {
            cpuid.put(key(e.leaf().leaf(), e.leaf().subleaf()), e.value());
        }
    }

    private static long key(int leaf, int subleaf) {
        return (long) leaf << 32 | (subleaf & 0xFFFFFFFFL);
    }

    void start(LoopbackGuest guest) {
        Thread t = new Thread(() -> run(guest), "celadon-" + partition.name() + "-loopback-vp" + index);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void run(LoopbackGuest guest) {
        String failure = null;
        try {
            guest.run(this);
        } catch (VpStoppedException e) {
            // the host stopped us: a normal end
        } catch (Throwable e) { // the guest's fault, never the host's: the partition fails with the reason
            if (!stopRequested) {
                failure = "loopback guest on VP " + index + " threw " + e;
                LOG.warn("partition {} VP {}: {}", partition.name(), index, failure, e);
            }
        }
        exits.vpExited(this, failure);
    }

    void requestStop() {
        stopRequested = true;
        apic.stop();
    }

    /** Joins the thread: waits, then interrupts a program blocked outside the VP's calls, then waits again. */
    boolean join(long millis) {
        Thread t = thread;
        if (t == null || t == Thread.currentThread()) {
            return true;
        }
        try {
            t.join(Math.min(millis, 2_000));
            if (t.isAlive()) {
                t.interrupt();
                t.join(Math.max(1, millis - 2_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    /** Every guest operation: on the processor's own thread, and not after a stop. */
    private void enter() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("LoopbackVp " + index + " of partition " + partition.name()
                    + " used from thread " + Thread.currentThread().getName() + "; only its own thread may");
        }
        checkStop();
    }

    private void checkStop() {
        if (stopRequested) {
            throw new VpStoppedException("partition " + partition.name() + " is stopping");
        }
    }

    // ---- LoopbackVp ----

    @Override
    public int index() {
        return index;
    }

    @Override
    public int vpCount() {
        return partition.vpCount();
    }

    @Override
    public GuestMemory memory() {
        return partition.memory();
    }

    @Override
    public CpuidResult cpuid(int leaf, int subleaf) {
        enter();
        CpuidResult r = cpuid.get(key(leaf, subleaf));
        if (r == null) {
            r = cpuid.get(key(leaf, 0)); // leaves without subleaves ignore ECX
        }
        return r != null ? r : CpuidResult.ZERO;
    }

    @Override
    public long rdmsr(int msr) {
        enter();
        msrExits.incrementAndGet();
        registers[Register.RCX.ordinal()] = msr & 0xFFFFFFFFL;
        long v = exits.msrRead(this, msr); // GeneralProtectionFault propagates: the guest's #GP
        checkStop(); // a handler that failed the partition returned 0: the processor does not go on
        registers[Register.RAX.ordinal()] = v & 0xFFFFFFFFL;
        registers[Register.RDX.ordinal()] = v >>> 32;
        return v;
    }

    @Override
    public void wrmsr(int msr, long value) {
        enter();
        if (msr == X2APIC_EOI) {
            if (value != 0) {
                throw new dev.celadon.hypervisor.api.intercept.GeneralProtectionFault(
                        "wrmsr IA32_X2APIC_EOI: a nonzero value");
            }
            eoi();
            return;
        }
        msrExits.incrementAndGet();
        registers[Register.RCX.ordinal()] = msr & 0xFFFFFFFFL;
        registers[Register.RAX.ordinal()] = value & 0xFFFFFFFFL;
        registers[Register.RDX.ordinal()] = value >>> 32;
        exits.msrWrite(this, msr, value);
        checkStop();
    }

    @Override
    public long hypercall(long control, long input, long output) {
        enter();
        hypercalls.incrementAndGet();
        registers[Register.RCX.ordinal()] = control;
        registers[Register.RDX.ordinal()] = input;
        registers[Register.R8.ordinal()] = output;
        registers[Register.RAX.ordinal()] = 0;
        exits.hypercall(this);
        checkStop();
        return registers[Register.RAX.ordinal()];
    }

    @Override
    public int awaitInterrupt(Duration timeout) {
        enter();
        long nanos = timeout.isNegative() ? 0 : saturatedNanos(timeout);
        int v;
        try {
            v = apic.await(System.nanoTime() + nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VpStoppedException("partition " + partition.name() + ": VP " + index + " interrupted");
        }
        checkStop();
        return v;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    @Override
    public int pollInterrupt() {
        enter();
        return apic.acknowledge();
    }

    @Override
    public void eoi() {
        enter();
        for (Runnable r : apic.eoi()) {
            r.run(); // on this VP's thread, as the emulator's LAPIC runs them
        }
    }

    @Override
    public boolean stopRequested() {
        return stopRequested;
    }

    // ---- VirtualProcessor: the core's exit handlers, on this thread ----

    @Override
    public long register(Register r) {
        return registers[r.ordinal()];
    }

    @Override
    public void setRegister(Register r, long value) {
        registers[r.ordinal()] = value;
    }

    @Override
    public SegmentState segment(Segment s) {
        return switch (s) {
            case CS -> CODE64;
            case TR, LDTR -> new SegmentState(0, 0, 0, 1 << 16); // unusable
            default -> DATA;
        };
    }

    @Override
    public String toString() {
        return "loopback VP " + index + " of " + partition.name();
    }
}
