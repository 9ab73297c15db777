package dev.celadon.emulator.internal;

import dev.celadon.chipset.ApicAccessException;
import dev.celadon.chipset.ApicRegisters;
import dev.celadon.chipset.IoApic;
import dev.celadon.chipset.LocalApic;
import dev.celadon.chipset.ProcessorControl;
import dev.celadon.emulator.cpu.Cpu;
import dev.celadon.emulator.cpu.CpuPlatform;
import dev.celadon.emulator.cpu.ExitReason;
import dev.celadon.hypervisor.api.Register;
import dev.celadon.hypervisor.api.Segment;
import dev.celadon.hypervisor.api.SegmentState;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtual processor of an emulated partition: the {@link Cpu}, its {@link LocalApic}, and the thread that
 * runs them. Everything the CPU cannot do itself goes to the platform: the local APIC page and the IOAPIC are
 * served here (the chipset a KVM kernel would emulate), every other port, MMIO and MSR access goes to the core
 * through {@link ExitHandler}, exactly as KVM's exits do.
 *
 * <p>States: an application processor waits for INIT/SIPI; a processor that executed HLT sleeps until an
 * interrupt it can take, its APIC timer's deadline, or a stop; otherwise it runs.
 */
final class EmulatedProcessor implements VirtualProcessor, CpuPlatform, ProcessorControl {

    private static final Logger LOG = LoggerFactory.getLogger(EmulatedProcessor.class);

    private final EmulatorPartition partition;
    private final int index;
    private final ExitHandler exits;
    private final Cpu cpu;
    private final LocalApic apic;
    private final Object monitor = new Object();
    private final Map<Long, CpuidResult> cpuid = new HashMap<>();
    private final Set<Long> unimplementedRips = new HashSet<>();
    private final AtomicLong unimplemented = new AtomicLong();
    private Thread thread;

    // Guarded by monitor; written from other threads (IPIs, stop).
    private boolean stopRequested;
    private boolean initPending;
    private int sipiVector = -1;
    private boolean waitingForSipi;
    private volatile boolean timerDue;
    private volatile boolean nmiPending;

    EmulatedProcessor(EmulatorPartition partition, int index, ExitHandler exits) {
        this.partition = partition;
        this.index = index;
        this.exits = exits;
        this.cpu = new Cpu(index, partition.physical(), this);
        this.apic = partition.bus().addProcessor(index, this);
        this.waitingForSipi = index != 0;
    }

    Cpu cpu() {
        return cpu;
    }

    LocalApic apic() {
        return apic;
    }

    long unimplementedCount() {
        return unimplemented.get();
    }

    void setCpuid(List<CpuidEntry> entries) {
        for (CpuidEntry e : entries) {
            cpuid.put(key(e.leaf().leaf(), e.leaf().subleaf()), e.value());
        }
    }

    private static long key(int leaf, int subleaf) {
        return ((long) leaf << 32) | (subleaf & 0xFFFFFFFFL);
    }

    /** The boot processor's entry state, as the loader produced it. */
    void setBootState(BootState boot) {
        BootEntry.apply(cpu, boot);
    }

    void startThread() {
        thread = new Thread(this::runLoop, "celadon-" + partition.name() + "-vcpu" + index);
        thread.setDaemon(true);
        thread.start();
    }

    boolean join(long millis) {
        Thread t = thread;
        if (t == null || t == Thread.currentThread()) {
            return true;
        }
        try {
            long deadline = System.nanoTime() + millis * 1_000_000L;
            while (t.isAlive() && System.nanoTime() < deadline) {
                requestStop();
                t.join(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    void requestStop() {
        synchronized (monitor) {
            stopRequested = true;
            monitor.notifyAll();
        }
        cpu.requestAttention();
    }

    /** The timer thread saw this processor's APIC timer expire. */
    void timerDue() {
        timerDue = true;
        cpu.requestAttention();
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    private void runLoop() {
        String failure = null;
        try {
            while (true) {
                synchronized (monitor) {
                    if (stopRequested) {
                        break;
                    }
                }
                if (!awaitStartup()) {
                    break;
                }
                apic.updateTimer();
                ExitReason r = cpu.run();
                switch (r) {
                    case HALT -> halt();
                    case ATTENTION -> {
                        if (timerDue) {
                            timerDue = false;
                        }
                    }
                    case TRIPLE_FAULT -> failure = "triple fault: " + cpu.failure();
                    case SHUTDOWN -> failure = "processor shut down: " + cpu.failure();
                }
                if (failure != null) {
                    break;
                }
            }
        } catch (RuntimeException | StackOverflowError e) {
            failure = "emulator error on vCPU " + index + ": " + e;
            LOG.error("partition {} vCPU {}: emulator error", partition.name(), index, e);
        }
        exits.vpExited(this, failure);
    }

    /**
     * Handles INIT (reset to wait-for-SIPI) and waits for a STARTUP IPI while the processor is waiting for one.
     * Returns false when a stop arrived instead.
     */
    private boolean awaitStartup() {
        synchronized (monitor) {
            if (initPending) {
                // A STARTUP that came after this INIT (while the thread was not yet looking) is kept.
                initPending = false;
                cpu.reset();
                waitingForSipi = true;
            }
            while (waitingForSipi && !stopRequested) {
                if (sipiVector >= 0) {
                    cpu.startupIpi(sipiVector);
                    sipiVector = -1;
                    waitingForSipi = false;
                    break;
                }
                waitMonitor(100);
                if (initPending) {
                    initPending = false;
                    cpu.reset();
                }
            }
            return !stopRequested;
        }
    }

    /** HLT: sleep until an interrupt this processor can take, the APIC timer's deadline, INIT, or a stop. */
    private void halt() {
        while (true) {
            apic.updateTimer();
            synchronized (monitor) {
                if (stopRequested || initPending) {
                    return;
                }
                if (cpu.interruptsEnabled() && apic.hasDeliverable() || nmiPending) {
                    nmiPending = false;
                    return;
                }
                long deadline = apic.nextTimerDeadlineNanos();
                long wait = 100;
                if (deadline != Long.MAX_VALUE) {
                    long nanos = deadline - partition.clock().nanos();
                    if (nanos <= 0) {
                        continue;
                    }
                    wait = Math.max(1, Math.min(100, nanos / 1_000_000L));
                }
                waitMonitor(wait);
            }
        }
    }

    private void waitMonitor(long millis) {
        try {
            monitor.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
        }
    }

    // ---- ProcessorControl: called by the chipset, from any thread ----

    @Override
    public void interruptPending() {
        cpu.signalInterrupt();
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    @Override
    public void nmi() {
        nmiPending = true; // an NMI wakes HLT whatever IF says
        cpu.signalNmi(); // delivered at the next boundary, blocked until the guest's IRET
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    @Override
    public void init() {
        synchronized (monitor) {
            initPending = true;
            sipiVector = -1; // an INIT cancels any STARTUP before it, not the ones after
            monitor.notifyAll();
        }
        cpu.requestAttention();
    }

    @Override
    public void startup(int vector) {
        synchronized (monitor) {
            if (waitingForSipi || initPending) {
                sipiVector = vector;
                monitor.notifyAll();
            }
        }
    }

    // ---- CpuPlatform: on this processor's thread ----

    @Override
    public int in(int port, int size) {
        return exits.portRead(this, port, size);
    }

    @Override
    public void out(int port, int size, int value) {
        exits.portWrite(this, port, size, value);
    }

    private boolean isApicPage(long pa) {
        long base = apic.mmioBase();
        return !apic.x2apicMode() && pa >= base && pa < base + ApicRegisters.PAGE_SIZE;
    }

    private boolean isIoApic(long pa) {
        IoApic io = partition.ioApic();
        return pa >= io.address() && pa < io.address() + IoApic.MMIO_SIZE;
    }

    @Override
    public long mmioRead(long physAddr, int size) {
        if (isApicPage(physAddr)) {
            return apic.mmioRead(physAddr - apic.mmioBase(), size);
        }
        if (isIoApic(physAddr)) {
            return partition.ioApic().mmioRead(physAddr - partition.ioApic().address(), size);
        }
        return exits.mmioRead(this, physAddr, size);
    }

    @Override
    public void mmioWrite(long physAddr, int size, long value) {
        if (isApicPage(physAddr)) {
            apic.mmioWrite(physAddr - apic.mmioBase(), size, value);
            partition.timerChanged();
            return;
        }
        if (isIoApic(physAddr)) {
            partition.ioApic().mmioWrite(physAddr - partition.ioApic().address(), size, value);
            return;
        }
        exits.mmioWrite(this, physAddr, size, value);
    }

    @Override
    public long rdmsr(int msr) {
        if (ApicRegisters.isApicMsr(msr)) {
            try {
                return apic.readMsr(msr);
            } catch (ApicAccessException e) {
                throw new GeneralProtectionFault(e.getMessage());
            }
        }
        return exits.msrRead(this, msr);
    }

    @Override
    public void wrmsr(int msr, long value) {
        if (ApicRegisters.isApicMsr(msr)) {
            try {
                apic.writeMsr(msr, value);
            } catch (ApicAccessException e) {
                throw new GeneralProtectionFault(e.getMessage());
            }
            partition.timerChanged();
            return;
        }
        exits.msrWrite(this, msr, value);
    }

    @Override
    public CpuidResult cpuid(int leaf, int subleaf) {
        CpuidResult r = cpuid.get(key(leaf, subleaf));
        if (r == null) {
            r = cpuid.get(key(leaf, 0)); // leaves without subleaves ignore ECX
        }
        return r != null ? r : CpuidResult.ZERO;
    }

    @Override
    public void hypercall(Cpu c) {
        exits.hypercall(this);
    }

    @Override
    public long tsc() {
        return partition.clock().tsc();
    }

    @Override
    public int acknowledgeInterrupt() {
        return apic.acknowledge();
    }

    @Override
    public int cr8() {
        return (int) apic.readCr8();
    }

    @Override
    public void setCr8(int value) {
        apic.writeCr8(value);
    }

    @Override
    public void unimplemented(long rip, byte[] bytes) {
        unimplemented.incrementAndGet();
        if (unimplementedRips.size() < 1000 && unimplementedRips.add(rip)) {
            StringBuilder sb = new StringBuilder();
            for (byte b : bytes) {
                sb.append(String.format(" %02x", b & 0xFF));
            }
            LOG.warn("partition {} vCPU {}: #UD for an instruction the emulator does not implement at RIP 0x{}:{}",
                    partition.name(), index, Long.toHexString(rip), sb);
        }
    }

    // ---- VirtualProcessor: registers, on this processor's thread inside an exit ----

    @Override
    public int index() {
        return index;
    }

    /** x86 encoding order of the general registers, as the Cpu numbers them. */
    private static int gpr(Register r) {
        return switch (r) {
            case RAX -> 0; case RCX -> 1; case RDX -> 2; case RBX -> 3; case RSP -> 4; case RBP -> 5; case RSI -> 6;
            case RDI -> 7; case R8 -> 8; case R9 -> 9; case R10 -> 10; case R11 -> 11; case R12 -> 12; case R13 -> 13;
            case R14 -> 14; case R15 -> 15;
            default -> -1;
        };
    }

    @Override
    public long register(Register r) {
        int g = gpr(r);
        if (g >= 0) {
            return cpu.reg(g);
        }
        return switch (r) {
            case RIP -> cpu.rip();
            case RFLAGS -> cpu.rflags();
            case CR0 -> cpu.cr0();
            case CR2 -> cpu.cr2();
            case CR3 -> cpu.cr3();
            case CR4 -> cpu.cr4();
            case CR8 -> apic.readCr8();
            case EFER -> cpu.efer();
            default -> throw new IllegalArgumentException(r.name());
        };
    }

    @Override
    public void setRegister(Register r, long value) {
        int g = gpr(r);
        if (g >= 0) {
            cpu.setReg(g, value);
            return;
        }
        switch (r) {
            case RIP -> cpu.setRip(value);
            case RFLAGS -> cpu.setRflags(value);
            case CR0 -> cpu.setCr0(value);
            case CR2 -> cpu.setCr2(value);
            case CR3 -> cpu.setCr3(value);
            case CR4 -> cpu.setCr4(value);
            case CR8 -> apic.writeCr8(value);
            case EFER -> cpu.setEfer(value);
            default -> throw new IllegalArgumentException(r.name());
        }
    }

    @Override
    public SegmentState segment(Segment s) {
        dev.celadon.emulator.cpu.Segment seg = cpu.segment(s.ordinal());
        return new SegmentState(seg.selector(), seg.base(), seg.limit(), seg.attributes());
    }
}
