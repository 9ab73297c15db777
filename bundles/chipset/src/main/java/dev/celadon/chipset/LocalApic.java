package dev.celadon.chipset;

import static dev.celadon.chipset.ApicRegisters.*;

import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local APIC of one virtual processor (SDM vol. 3 ch. 10; AMD APM vol. 2 ch. 16): the xAPIC register page, the
 * x2APIC MSRs, interrupt acceptance and priority, EOI, the timer and IPIs.
 *
 * <p>Threads: the owning vCPU thread does register accesses, {@link #acknowledge()} and {@link #updateTimer()};
 * any thread may {@link #accept} interrupts (other vCPUs' IPIs, devices through the IOAPIC or MSI). All state is
 * guarded by one lock per APIC, and every call out (to the bus, to {@link ProcessorControl}, to EOI callbacks) is made
 * after the lock is released, so two vCPUs that IPI each other at once never hold each other's lock.
 */
public final class LocalApic {
    private static final Logger LOG = LoggerFactory.getLogger(LocalApic.class);

    /** IA32_APIC_BASE modes. */
    static final int DISABLED = 0, XAPIC = 1, X2APIC = 2;

    private final ApicBus bus;
    private final int vpIndex;
    private final int apicId;
    private final boolean bsp;
    private final ProcessorControl control;
    private final Object lock = new Object();
    private final AtomicLong badAccesses = new AtomicLong();

    // Guarded by lock.
    private long apicBase;
    private int tpr;
    private int ldr;
    private int dfr;
    private int svr;
    private final int[] irr = new int[8];
    private final int[] isr = new int[8];
    private final int[] tmr = new int[8];
    /** Callbacks to run at the EOI of a vector: pending in IRR, then in service. */
    private final Runnable[] irrEoi = new Runnable[256];
    private final Runnable[] isrEoi = new Runnable[256];
    private int esrPending;
    private int esr;
    private int icrLow;
    private int icrHigh;
    private int lvtThermal, lvtPerf, lvtLint0, lvtLint1, lvtError;
    private final ApicTimer timer;

    // Published under lock for lock-free readers: the vCPU's fast path and the bus's routing.
    private volatile int deliverable = -1;
    private volatile int pprSnapshot;
    private volatile int modeSnapshot;
    private volatile int logicalSnapshot;
    private volatile int dfrSnapshot;
    private volatile long timerDeadline = Long.MAX_VALUE;

    LocalApic(ApicBus bus, int vpIndex, int apicId, boolean bsp, ProcessorControl control) {
        this.bus = bus;
        this.vpIndex = vpIndex;
        this.apicId = apicId;
        this.bsp = bsp;
        this.control = control;
        this.timer = new ApicTimer(bus.clock(), bus.timerHz());
        synchronized (lock) {
            apicBase = DEFAULT_BASE | BASE_ENABLE | (bsp ? BASE_BSP : 0);
            resetRegisters();
            refresh();
        }
    }

    public int vpIndex() {
        return vpIndex;
    }

    /** The initial APIC ID (CPUID 1 EBX[31:24], x2APIC ID). */
    public int apicId() {
        return apicId;
    }

    public boolean isBsp() {
        return bsp;
    }

    /** The MMIO page address from IA32_APIC_BASE (meaningful in xAPIC mode). */
    public long mmioBase() {
        synchronized (lock) {
            return apicBase & BASE_ADDRESS_MASK;
        }
    }

    public boolean x2apicMode() {
        return modeSnapshot == X2APIC;
    }

    /** MMIO accesses that were ignored: wrong size or alignment, or the page is off (x2APIC or disabled). */
    public long badAccesses() {
        return badAccesses.get();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Interrupt acceptance and the CPU side

    /** Accepts a fixed interrupt (SDM 10.8.3): sets IRR and TMR. Vectors 0-15 set ESR bit 6 and are dropped. */
    public void accept(int vector, boolean levelTriggered) {
        accept(vector, levelTriggered, null);
    }

    /**
     * As {@link #accept(int, boolean)}, and runs {@code onEoi} (on the thread that writes EOI, no lock held) when the
     * guest ends this interrupt. If the vector is already pending, the callbacks are chained: both run at its EOI.
     * An interrupt dropped (APIC disabled, illegal vector) never runs its callback.
     */
    public void accept(int vector, boolean levelTriggered, Runnable onEoi) {
        if (vector < 0 || vector > 0xFF) {
            throw new IllegalArgumentException("vector " + vector);
        }
        boolean signal;
        synchronized (lock) {
            acceptLocked(vector, levelTriggered, onEoi);
            signal = refresh();
        }
        if (signal) {
            control.interruptPending();
        }
    }

    private void acceptLocked(int vector, boolean level, Runnable onEoi) {
        if (modeLocked() == DISABLED || (svr & SVR_ENABLE) == 0) {
            return; // a software-disabled APIC takes no fixed interrupts (those already in IRR stay)
        }
        if (vector < 16) {
            raiseError(ESR_RECEIVE_ILLEGAL_VECTOR);
            return;
        }
        irr[vector >> 5] |= 1 << (vector & 31);
        if (level) {
            tmr[vector >> 5] |= 1 << (vector & 31);
        } else {
            tmr[vector >> 5] &= ~(1 << (vector & 31));
        }
        if (onEoi != null) {
            Runnable before = irrEoi[vector];
            irrEoi[vector] = before == null ? onEoi : () -> {
                before.run();
                onEoi.run();
            };
        }
    }

    /** Whether an interrupt is deliverable now (highest IRR above PPR's class). Lock-free; cheap. */
    public boolean hasDeliverable() {
        return deliverable >= 0;
    }

    /**
     * The processor takes an interrupt (its INTA): the highest deliverable vector moves from IRR to ISR and is
     * returned; -1 if none is deliverable. The spurious vector is never dispensed: checking and taking are one atomic
     * step here, so the SDM 10.9 window (an interrupt masked by TPR between request and INTA) does not exist.
     */
    public int acknowledge() {
        boolean signal;
        int vector;
        synchronized (lock) {
            vector = deliverable;
            if (vector < 0) {
                return -1;
            }
            irr[vector >> 5] &= ~(1 << (vector & 31));
            isr[vector >> 5] |= 1 << (vector & 31);
            isrEoi[vector] = irrEoi[vector];
            irrEoi[vector] = null;
            signal = refresh();
        }
        if (signal) {
            control.interruptPending();
        }
        return vector;
    }

    /** End of interrupt (EOI register, x2APIC MSR 0x80B, or Hyper-V's EOI MSR). */
    public void eoi() {
        Effects fx = new Effects();
        synchronized (lock) {
            eoiLocked(fx);
        }
        fx.run();
    }

    private void eoiLocked(Effects fx) {
        int vector = highest(isr);
        if (vector < 0) {
            return; // EOI with nothing in service: ignored
        }
        isr[vector >> 5] &= ~(1 << (vector & 31));
        fx.onEoi = isrEoi[vector];
        isrEoi[vector] = null;
        // No EOI-broadcast suppression (version bit 24 clear): a level-triggered vector always reaches the IOAPICs.
        if ((tmr[vector >> 5] & 1 << (vector & 31)) != 0) {
            fx.eoiBroadcast = vector;
        }
        fx.signal |= refresh();
    }

    /** TPR as CR8 sees it (bits 7:4 of TPR; SDM 10.8.6.1). */
    public long readCr8() {
        synchronized (lock) {
            return tpr >> 4;
        }
    }

    public void writeCr8(long value) {
        setTpr((int) (value & 0xF) << 4);
    }

    public int tpr() {
        synchronized (lock) {
            return tpr;
        }
    }

    public void setTpr(int value) {
        boolean signal;
        synchronized (lock) {
            tpr = value & 0xFF;
            signal = refresh();
        }
        if (signal) {
            control.interruptPending();
        }
    }

    /** A pulse on LINT0/LINT1 (pin 0 or 1), delivered as its LVT entry says; ExtINT has no PIC behind it here. */
    public void raiseLint(int pin) {
        Effects fx = new Effects();
        synchronized (lock) {
            int lvt = pin == 0 ? lvtLint0 : lvtLint1;
            if ((lvt & LVT_MASKED) != 0 || modeLocked() == DISABLED) {
                return;
            }
            DeliveryMode mode = DeliveryMode.of(lvt >> 8);
            if (mode == DeliveryMode.FIXED) {
                acceptLocked(lvt & 0xFF, (lvt & LVT_LEVEL) != 0, null);
                fx.signal |= refresh();
            } else if (mode == DeliveryMode.NMI) {
                fx.nmi = true;
            } else {
                LOG.debug("LINT{} delivery mode {} ignored", pin, mode);
            }
        }
        fx.run();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Timer

    /** Fires the timer if it expired: accepts the LVT timer vector unless masked. The owner calls this often. */
    public void updateTimer() {
        if (bus.clock().nanos() < timerDeadline) {
            return; // the common case, without the lock
        }
        boolean signal = false;
        synchronized (lock) {
            if (timer.poll() && (timer.lvt() & LVT_MASKED) == 0) {
                acceptLocked(timer.lvt() & 0xFF, false, null);
            }
            signal = refresh();
        }
        if (signal) {
            control.interruptPending();
        }
    }

    /** Virtual time of the next timer expiry, Long.MAX_VALUE if none is armed: how long a halted vCPU may sleep. */
    public long nextTimerDeadlineNanos() {
        return timerDeadline;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // xAPIC MMIO

    /**
     * A guest read of the APIC page at {@code offset} (0-0xFFF). Registers are 32 bits at 16-byte aligned offsets;
     * any other size or alignment, and any access while the page is off (x2APIC mode, APIC disabled), reads 0 and
     * is counted in {@link #badAccesses()}.
     */
    public long mmioRead(long offset, int size) {
        if (size != 4 || (offset & 0xF) != 0 || offset < 0 || offset >= PAGE_SIZE || modeSnapshot != XAPIC) {
            badAccesses.incrementAndGet();
            return 0;
        }
        boolean signal;
        int value;
        synchronized (lock) {
            value = readXapic((int) offset);
            signal = refresh(); // a reserved register raises the LVT error interrupt
        }
        if (signal) {
            control.interruptPending();
        }
        return Integer.toUnsignedLong(value);
    }

    /** A guest write to the APIC page; bad accesses as for {@link #mmioRead} are ignored and counted. */
    public void mmioWrite(long offset, int size, long value) {
        if (size != 4 || (offset & 0xF) != 0 || offset < 0 || offset >= PAGE_SIZE || modeSnapshot != XAPIC) {
            badAccesses.incrementAndGet();
            return;
        }
        Effects fx = new Effects();
        synchronized (lock) {
            writeXapic((int) offset, (int) value, fx);
            fx.signal |= refresh();
        }
        fx.run();
    }

    private int readXapic(int offset) {
        switch (offset) {
            case ID: return (apicId & 0xFF) << 24;
            case VERSION: return VERSION_VALUE;
            case TPR: return tpr;
            case APR: return apr();
            case PPR: return ppr();
            case EOI: case RRD: return 0; // write-only; remote read is gone since the P6
            case LDR: return ldr & 0xFF00_0000;
            case DFR: return dfr | 0x0FFF_FFFF;
            case SVR: return svr;
            case ESR: return esr;
            case ICR_LOW: return icrLow;
            case ICR_HIGH: return icrHigh & 0xFF00_0000;
            case LVT_TIMER: return timer.lvt();
            case LVT_THERMAL: return lvtThermal;
            case LVT_PERF: return lvtPerf;
            case LVT_LINT0: return lvtLint0;
            case LVT_LINT1: return lvtLint1;
            case LVT_ERROR: return lvtError;
            case TIMER_INITIAL_COUNT: return timer.initialCount();
            case TIMER_CURRENT_COUNT: return timer.currentCount();
            case TIMER_DIVIDE: return timer.divideConfig();
            default:
                if (offset >= ISR && offset < IRR + 0x80) {
                    return bank(offset)[(offset >> 4) & 7];
                }
                illegalRegister();
                return 0;
        }
    }

    private int[] bank(int offset) {
        return offset < TMR ? isr : offset < IRR ? tmr : irr;
    }

    private void writeXapic(int offset, int value, Effects fx) {
        switch (offset) {
            case TPR -> {
                tpr = value & 0xFF;
                fx.signal |= refresh();
            }
            case EOI -> eoiLocked(fx);
            case LDR -> {
                ldr = value & 0xFF00_0000;
                publish();
            }
            case DFR -> {
                dfr = value | 0x0FFF_FFFF;
                publish();
            }
            case SVR -> writeSvr(value, fx);
            case ESR -> latchEsr();
            case ICR_LOW -> {
                icrLow = value & ICR_LOW_WRITABLE;
                sendIcr(icrLow, icrHigh >>> 24, false, fx);
            }
            case ICR_HIGH -> icrHigh = value & 0xFF00_0000;
            case LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR -> writeLvt(offset, value);
            case TIMER_INITIAL_COUNT -> timer.writeInitialCount(value);
            case TIMER_DIVIDE -> timer.writeDivideConfig(value);
            // Read-only registers: writes are ignored (the xAPIC ID is not writable here).
            case ID, VERSION, APR, PPR, RRD, TIMER_CURRENT_COUNT -> { }
            default -> {
                if (offset < ISR || offset >= IRR + 0x80) {
                    illegalRegister();
                }
            }
        }
    }

    private void illegalRegister() {
        badAccesses.incrementAndGet();
        raiseError(ESR_ILLEGAL_REGISTER);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // MSRs: IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC

    /**
     * RDMSR of IA32_APIC_BASE (0x1B), IA32_TSC_DEADLINE (0x6E0) or an x2APIC register (0x800-0x8FF).
     *
     * @throws ApicAccessException for #GP: not an APIC MSR, x2APIC MSRs outside x2APIC mode, reserved or write-only
     */
    public long readMsr(int msr) {
        synchronized (lock) {
            if (msr == MSR_APIC_BASE) {
                return apicBase;
            }
            if (msr == MSR_TSC_DEADLINE) {
                return timer.tscDeadline();
            }
            int offset = x2apicOffset(msr);
            switch (offset) {
                case ID: return Integer.toUnsignedLong(apicId);
                case VERSION: return VERSION_VALUE;
                case TPR: return tpr;
                case PPR: return ppr();
                case LDR: return Integer.toUnsignedLong(x2apicLdr());
                case SVR: return svr;
                case ESR: return esr;
                case ICR_LOW: return Integer.toUnsignedLong(icrHigh) << 32 | Integer.toUnsignedLong(icrLow);
                case LVT_TIMER: return timer.lvt();
                case LVT_THERMAL: return lvtThermal;
                case LVT_PERF: return lvtPerf;
                case LVT_LINT0: return lvtLint0;
                case LVT_LINT1: return lvtLint1;
                case LVT_ERROR: return lvtError;
                case TIMER_INITIAL_COUNT: return Integer.toUnsignedLong(timer.initialCount());
                case TIMER_CURRENT_COUNT: return Integer.toUnsignedLong(timer.currentCount());
                case TIMER_DIVIDE: return timer.divideConfig();
                default:
                    if (offset >= ISR && offset < IRR + 0x80) {
                        return Integer.toUnsignedLong(bank(offset)[(offset >> 4) & 7]);
                    }
                    throw new ApicAccessException(String.format("RDMSR 0x%x: %s", msr,
                            offset == EOI || offset == SELF_IPI ? "write-only x2APIC register" : "reserved x2APIC MSR"));
            }
        }
    }

    /**
     * WRMSR of an APIC MSR. In x2APIC mode, bits 63:32 must be 0 except in the ICR, EOI and ESR take only 0, SELF IPI
     * only a vector; other reserved bits are dropped as in xAPIC mode.
     *
     * @throws ApicAccessException for #GP
     */
    public void writeMsr(int msr, long value) {
        Effects fx = new Effects();
        synchronized (lock) {
            if (msr == MSR_APIC_BASE) {
                writeApicBase(value, fx);
            } else if (msr == MSR_TSC_DEADLINE) {
                timer.writeTscDeadline(value);
            } else {
                writeX2apic(msr, x2apicOffset(msr), value, fx);
            }
            fx.signal |= refresh();
        }
        fx.run();
    }

    private int x2apicOffset(int msr) {
        if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST) {
            throw new ApicAccessException(String.format("MSR 0x%x is not a local APIC MSR", msr));
        }
        if (modeLocked() != X2APIC) {
            throw new ApicAccessException(String.format("x2APIC MSR 0x%x outside x2APIC mode", msr));
        }
        return (msr - MSR_X2APIC_FIRST) << 4;
    }

    private void writeX2apic(int msr, int offset, long value, Effects fx) {
        if (offset != ICR_LOW && value >>> 32 != 0) {
            throw new ApicAccessException(String.format("WRMSR 0x%x: reserved bits 63:32 in 0x%x", msr, value));
        }
        int v = (int) value;
        switch (offset) {
            case TPR -> {
                tpr = v & 0xFF;
                fx.signal |= refresh();
            }
            case EOI -> {
                if (v != 0) {
                    throw new ApicAccessException("WRMSR x2APIC EOI with a non-zero value");
                }
                eoiLocked(fx);
            }
            case SVR -> writeSvr(v, fx);
            case ESR -> {
                if (v != 0) {
                    throw new ApicAccessException("WRMSR x2APIC ESR with a non-zero value");
                }
                latchEsr();
            }
            case ICR_LOW -> {
                icrLow = v & ICR_LOW_WRITABLE;
                icrHigh = (int) (value >>> 32);
                sendIcr(icrLow, Integer.toUnsignedLong(icrHigh), true, fx);
            }
            case LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR -> writeLvt(offset, v);
            case TIMER_INITIAL_COUNT -> timer.writeInitialCount(v);
            case TIMER_DIVIDE -> timer.writeDivideConfig(v);
            case SELF_IPI -> {
                if ((v & ~0xFF) != 0) {
                    throw new ApicAccessException("WRMSR x2APIC SELF IPI with reserved bits");
                }
                if (v < 16) {
                    raiseError(ESR_SEND_ILLEGAL_VECTOR);
                } else {
                    acceptLocked(v, false, null);
                    fx.signal |= refresh();
                }
            }
            default -> throw new ApicAccessException(String.format("WRMSR 0x%x: %s x2APIC register", msr,
                    isReadOnlyX2apic(offset) ? "read-only" : "reserved"));
        }
    }

    private static boolean isReadOnlyX2apic(int offset) {
        return offset == ID || offset == VERSION || offset == PPR || offset == LDR || offset == TIMER_CURRENT_COUNT
                || offset >= ISR && offset < IRR + 0x80;
    }

    /** SDM 10.12.5 state machine: disabled, xAPIC, x2APIC; x2APIC goes back only through disabled. */
    private void writeApicBase(long value, Effects fx) {
        long reserved = ~(BASE_ADDRESS_MASK | BASE_EXTD | BASE_ENABLE | BASE_BSP);
        if ((value & reserved) != 0) {
            throw new ApicAccessException(String.format("IA32_APIC_BASE 0x%x: reserved bits", value));
        }
        int from = modeLocked();
        int to = (value & BASE_ENABLE) == 0 ? ((value & BASE_EXTD) == 0 ? DISABLED : -1)
                : (value & BASE_EXTD) == 0 ? XAPIC : X2APIC;
        if (to < 0 || from == X2APIC && to == XAPIC || from == DISABLED && to == X2APIC) {
            throw new ApicAccessException(String.format("IA32_APIC_BASE 0x%x: invalid transition from 0x%x",
                    value, apicBase));
        }
        apicBase = (value & ~BASE_BSP) | (bsp ? BASE_BSP : 0); // the BSP flag is the processor's, not software's
        if (to == DISABLED && from != DISABLED) {
            resetRegisters(); // re-enabling finds the power-up state (SDM 10.4.3)
        }
        fx.signal |= refresh();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Register semantics shared by both views

    private void writeSvr(int value, Effects fx) {
        svr = value & SVR_WRITABLE;
        if ((svr & SVR_ENABLE) == 0) {
            // SDM 10.4.7.2: software disable sets every LVT mask bit; they stay set until re-enabled.
            timer.writeLvt(timer.lvt() | LVT_MASKED);
            lvtThermal |= LVT_MASKED;
            lvtPerf |= LVT_MASKED;
            lvtLint0 |= LVT_MASKED;
            lvtLint1 |= LVT_MASKED;
            lvtError |= LVT_MASKED;
        }
        fx.signal |= refresh();
    }

    private void writeLvt(int offset, int value) {
        int forced = (svr & SVR_ENABLE) == 0 ? LVT_MASKED : 0;
        switch (offset) {
            case LVT_TIMER -> timer.writeLvt(value & LVT_TIMER_WRITABLE | forced);
            case LVT_THERMAL -> lvtThermal = value & LVT_DM_WRITABLE | forced;
            case LVT_PERF -> lvtPerf = value & LVT_DM_WRITABLE | forced;
            case LVT_LINT0 -> lvtLint0 = value & LVT_LINT_WRITABLE | forced;
            case LVT_LINT1 -> lvtLint1 = value & LVT_LINT_WRITABLE | forced;
            case LVT_ERROR -> lvtError = value & LVT_ERROR_WRITABLE | forced;
            default -> throw new AssertionError(offset);
        }
    }

    /** ESR is write-then-read: a write copies the errors seen since the last write and clears them (SDM 10.5.3). */
    private void latchEsr() {
        esr = esrPending;
        esrPending = 0;
    }

    /** Records an error; a new one raises the LVT error interrupt unless masked (which can only recurse once). */
    private void raiseError(int bit) {
        boolean fresh = (esrPending & bit) == 0;
        esrPending |= bit;
        if (fresh && (lvtError & LVT_MASKED) == 0) {
            acceptLocked(lvtError & 0xFF, false, null);
        }
    }

    private void sendIcr(int low, long destination, boolean x2apic, Effects fx) {
        DeliveryMode mode = DeliveryMode.of(low >> 8);
        Shorthand shorthand = Shorthand.of(low >> ICR_SHORTHAND_SHIFT);
        int vector = low & ICR_VECTOR;
        if (mode == null) {
            LOG.debug("APIC {}: ICR 0x{} with reserved delivery mode ignored", apicId, Integer.toHexString(low));
            return;
        }
        if (mode == DeliveryMode.INIT && (low & ICR_ASSERT) == 0) {
            return; // INIT level de-assert: only P6 arbitration-ID sync, nothing to do
        }
        if ((mode == DeliveryMode.FIXED || mode == DeliveryMode.LOWEST_PRIORITY) && vector < 16) {
            raiseError(ESR_SEND_ILLEGAL_VECTOR);
            fx.signal |= refresh();
            return;
        }
        if (shorthand == Shorthand.SELF && mode != DeliveryMode.FIXED
                || shorthand == Shorthand.ALL_INCLUDING_SELF && mode == DeliveryMode.LOWEST_PRIORITY
                || mode == DeliveryMode.EXTINT) {
            LOG.debug("APIC {}: invalid ICR 0x{} ignored", apicId, Integer.toHexString(low));
            return; // invalid combinations (SDM 10.6.1 notes)
        }
        boolean level = (low & ICR_LEVEL) != 0 && mode == DeliveryMode.FIXED;
        fx.message = new InterruptMessage(mode, vector, level, (low & ICR_LOGICAL) != 0, destination, x2apic);
        fx.shorthand = shorthand;
    }

    private void resetRegisters() {
        tpr = 0;
        ldr = 0;
        dfr = 0xFFFF_FFFF;
        svr = 0xFF;
        for (int i = 0; i < 8; i++) {
            irr[i] = isr[i] = tmr[i] = 0;
        }
        java.util.Arrays.fill(irrEoi, null);
        java.util.Arrays.fill(isrEoi, null);
        esrPending = esr = 0;
        icrLow = icrHigh = 0;
        lvtThermal = lvtPerf = lvtLint0 = lvtLint1 = lvtError = LVT_MASKED;
        timer.reset();
    }

    /** INIT (SDM 10.4.7.3): power-up state except the APIC ID and IA32_APIC_BASE (x2APIC mode stays). */
    void initReset() {
        synchronized (lock) {
            resetRegisters();
            refresh();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Priorities (SDM 10.8.3.1) and published state

    private static int highest(int[] bank) {
        for (int i = 7; i >= 0; i--) {
            if (bank[i] != 0) {
                return i << 5 | 31 - Integer.numberOfLeadingZeros(bank[i]);
            }
        }
        return -1;
    }

    private int ppr() {
        int isrv = Math.max(highest(isr), 0);
        return (tpr & 0xF0) >= (isrv & 0xF0) ? tpr : isrv & 0xF0;
    }

    /** APR (SDM 10.8.3.1, Pentium 4 and Xeon); reported only, lowest-priority delivery uses PPR. */
    private int apr() {
        int isrv = Math.max(highest(isr), 0);
        int irrv = Math.max(highest(irr), 0);
        if ((tpr & 0xF0) >= (irrv & 0xF0) && (tpr & 0xF0) > (isrv & 0xF0)) {
            return tpr;
        }
        return Math.max(tpr & 0xF0, Math.max(isrv & 0xF0, irrv & 0xF0));
    }

    private int x2apicLdr() {
        // SDM 10.12.10.2: cluster ID = x2APIC ID[19:4] in 31:16, one bit for ID[3:0] in 15:0.
        return (apicId >>> 4) << 16 | 1 << (apicId & 0xF);
    }

    private int modeLocked() {
        if ((apicBase & BASE_ENABLE) == 0) {
            return DISABLED;
        }
        return (apicBase & BASE_EXTD) != 0 ? X2APIC : XAPIC;
    }

    /** Recomputes the published state; true if a vector became deliverable that was not (the owner must look). */
    private boolean refresh() {
        int mode = modeLocked();
        int ppr = ppr();
        int h = highest(irr);
        int v = mode != DISABLED && h >= 0 && (h & 0xF0) > (ppr & 0xF0) ? h : -1;
        int old = deliverable;
        deliverable = v;
        pprSnapshot = ppr;
        timerDeadline = timer.nextDeadlineNanos();
        publish();
        return v >= 0 && v != old;
    }

    private void publish() {
        int mode = modeLocked();
        modeSnapshot = mode;
        logicalSnapshot = mode == X2APIC ? x2apicLdr() : ldr;
        dfrSnapshot = dfr;
    }

    int pprSnapshot() {
        return pprSnapshot;
    }

    boolean enabled() {
        return modeSnapshot != DISABLED;
    }

    /** Whether this APIC is a destination of {@code m} (SDM 10.6.2). Lock-free on published state. */
    boolean matches(InterruptMessage m) {
        int mode = modeSnapshot;
        if (mode == DISABLED) {
            return false;
        }
        if (m.broadcast()) {
            return true;
        }
        long dest = m.destination();
        if (!m.logical()) {
            return mode == X2APIC || m.x2apicFormat() ? dest == Integer.toUnsignedLong(apicId) : dest == (apicId & 0xFF);
        }
        int logical = logicalSnapshot;
        if (mode == X2APIC) {
            // Cluster in 31:16, member bitmap in 15:0 (an 8-bit message addresses cluster 0).
            return dest >>> 16 == logical >>> 16 && (dest & logical & 0xFFFF) != 0;
        }
        int mda = (int) dest & 0xFF;
        int lid = logical >>> 24;
        if (dfrSnapshot >>> 28 == DFR_FLAT) {
            return (mda & lid) != 0;
        }
        return mda >> 4 == lid >> 4 && (mda & lid & 0xF) != 0; // cluster model
    }

    ProcessorControl control() {
        return control;
    }

    /** What a locked operation wants done once the lock is released. */
    private final class Effects {
        boolean signal;
        boolean nmi;
        Runnable onEoi;
        int eoiBroadcast = -1;
        InterruptMessage message;
        Shorthand shorthand;

        void run() {
            if (onEoi != null) {
                onEoi.run();
            }
            if (eoiBroadcast >= 0) {
                bus.broadcastEoi(eoiBroadcast);
            }
            if (message != null) {
                bus.send(LocalApic.this, message, shorthand);
            }
            if (nmi) {
                control.nmi();
            }
            if (signal) {
                control.interruptPending();
            }
        }
    }

    @Override
    public String toString() {
        return "LocalApic[vp " + vpIndex + ", id " + apicId + "]";
    }
}
