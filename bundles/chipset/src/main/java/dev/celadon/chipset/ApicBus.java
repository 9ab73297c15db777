package dev.celadon.chipset;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition's local APICs and the message fabric between them: IPIs from ICR writes, IOAPIC redirection messages
 * and MSIs are routed here by destination (SDM vol. 3 10.6.2), and EOIs of level-triggered vectors are broadcast
 * back to the IOAPICs.
 *
 * <p>Lowest-priority delivery picks the target with the lowest processor priority (PPR); ties go round-robin, so
 * equal processors share device interrupts. No APIC bus arbitration is modelled.
 *
 * <p>Thread-safe. Delivery takes one target APIC's lock at a time and never holds a lock of its own.
 */
public final class ApicBus {
    private static final Logger LOG = LoggerFactory.getLogger(ApicBus.class);

    /** The APIC timer's input clock by default: 1 GHz, one tick per nanosecond (as KVM's emulated APIC). */
    public static final long DEFAULT_TIMER_HZ = 1_000_000_000L;

    private final ChipsetClock clock;
    private final long timerHz;
    private final List<LocalApic> apics = new CopyOnWriteArrayList<>();
    private final List<IntConsumer> eoiListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger rotation = new AtomicInteger();
    private final AtomicLong invalidMessages = new AtomicLong();
    private final AtomicLong ignoredMessages = new AtomicLong();

    public ApicBus(ChipsetClock clock) {
        this(clock, DEFAULT_TIMER_HZ);
    }

    /** @param timerHz the APIC timer's input frequency before the divider (Hyper-V reports it in MSR 0x40000023) */
    public ApicBus(ChipsetClock clock, long timerHz) {
        if (clock == null || timerHz <= 0) {
            throw new IllegalArgumentException("clock and a positive timer frequency are required");
        }
        this.clock = clock;
        this.timerHz = timerHz;
    }

    public ChipsetClock clock() {
        return clock;
    }

    public long timerHz() {
        return timerHz;
    }

    /**
     * Adds the local APIC of the next virtual processor (VP index = number added before). The first is the BSP.
     *
     * @param apicId  its initial APIC ID (xAPIC uses bits 7:0), unique on this bus
     * @param control how the APIC reaches its processor
     */
    public LocalApic addProcessor(int apicId, ProcessorControl control) {
        if (control == null || apicId < 0) {
            throw new IllegalArgumentException("an APIC needs a non-negative ID and a ProcessorControl");
        }
        synchronized (apics) {
            for (LocalApic a : apics) {
                if (a.apicId() == apicId) {
                    throw new IllegalArgumentException("APIC ID " + apicId + " is already on the bus");
                }
            }
            LocalApic apic = new LocalApic(this, apics.size(), apicId, apics.isEmpty(), control);
            apics.add(apic);
            return apic;
        }
    }

    /** The local APICs by VP index. */
    public List<LocalApic> processors() {
        return List.copyOf(apics);
    }

    public LocalApic processor(int vpIndex) {
        return apics.get(vpIndex);
    }

    /** Called with the vector of every EOI of a level-triggered interrupt (the IOAPIC clears Remote IRR). */
    public void addEoiListener(IntConsumer listener) {
        eoiListeners.add(listener);
    }

    /** Messages dropped as malformed: MSI writes outside 0xFEExxxxx or with a reserved delivery mode. */
    public long invalidMessages() {
        return invalidMessages.get();
    }

    /** Well-formed messages the chipset does not model (SMI, ExtINT) and therefore dropped. */
    public long ignoredMessages() {
        return ignoredMessages.get();
    }

    /**
     * A device's MSI write (address and data as the device writes them). Malformed ones are counted in
     * {@link #invalidMessages()} and dropped; never an exception to the device.
     */
    public void deliverMsi(long address, int data) {
        MsiMessage msi;
        try {
            msi = MsiMessage.decode(address, data);
        } catch (IllegalArgumentException e) {
            invalidMessages.incrementAndGet();
            LOG.debug("MSI dropped: {}", e.getMessage());
            return;
        }
        if (msi.levelTriggered() && !msi.assertLevel()) {
            return; // a level de-assert message has nothing to deliver
        }
        deliver(msi.toInterruptMessage());
    }

    /** Delivers a message from outside the processors (IOAPIC, MSI, SynIC) to every APIC it addresses. */
    public void deliver(InterruptMessage message) {
        send(null, message, Shorthand.NONE);
    }

    /** A fixed interrupt straight to one processor, with an EOI callback (SynIC's "tell me at EOI"). */
    public void deliver(int vpIndex, int vector, boolean levelTriggered, Runnable onEoi) {
        apics.get(vpIndex).accept(vector, levelTriggered, onEoi);
    }

    void broadcastEoi(int vector) {
        for (IntConsumer l : eoiListeners) {
            l.accept(vector);
        }
    }

    void send(LocalApic source, InterruptMessage m, Shorthand shorthand) {
        List<LocalApic> targets = new ArrayList<>(4);
        for (LocalApic a : apics) {
            boolean hit = switch (shorthand) {
                case NONE -> a.matches(m);
                case SELF -> a == source;
                case ALL_INCLUDING_SELF -> a.enabled();
                case ALL_EXCLUDING_SELF -> a != source && a.enabled();
            };
            if (hit) {
                targets.add(a);
            }
        }
        if (targets.isEmpty()) {
            return;
        }
        switch (m.mode()) {
            case FIXED -> {
                for (LocalApic t : targets) {
                    t.accept(m.vector(), m.levelTriggered());
                }
            }
            case LOWEST_PRIORITY -> lowestPriority(targets).accept(m.vector(), m.levelTriggered());
            case NMI -> {
                for (LocalApic t : targets) {
                    t.control().nmi();
                }
            }
            case INIT -> {
                for (LocalApic t : targets) {
                    t.initReset();
                    t.control().init();
                }
            }
            case STARTUP -> {
                for (LocalApic t : targets) {
                    t.control().startup(m.vector());
                }
            }
            case SMI, EXTINT -> {
                // No SMM and no 8259 behind the APICs.
                if (ignoredMessages.getAndIncrement() == 0) {
                    LOG.info("{} message ignored (no SMM or PIC in this chipset); further ones counted only", m.mode());
                }
            }
        }
    }

    private LocalApic lowestPriority(List<LocalApic> targets) {
        int n = targets.size();
        int start = Math.floorMod(rotation.getAndIncrement(), n);
        LocalApic best = null;
        int bestPpr = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            LocalApic t = targets.get((start + i) % n);
            int ppr = t.pprSnapshot() & 0xF0;
            if (ppr < bestPpr) {
                best = t;
                bestPpr = ppr;
            }
        }
        return best;
    }
}
