package dev.celadon.chipset;

import static dev.celadon.chipset.RedirectionEntry.REMOTE_IRR;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 24-pin IOAPIC, version 0x20 (the ICH generation: it has the EOI register at +0x40, which the 82093AA's 0x11 lacks).
 * Registers through IOREGSEL (+0x00) and IOWIN (+0x10): 0x00 ID (bits 27:24), 0x01 version (0x00170020: max
 * redirection entry 23), 0x02 arbitration ID (reads the ID), 0x10 + 2n / 0x11 + 2n the low / high half of pin n's
 * {@link RedirectionEntry}.
 *
 * <p>Inputs: an edge-triggered pin delivers on each rising edge of its (polarity-adjusted) input; a rising edge while
 * the pin is masked is held and delivered at unmask (as the IOAPICs of KVM and QEMU do; the 82093AA would lose it). A
 * level-triggered fixed pin delivers while its input is active and Remote IRR is clear, sets Remote IRR, and delivers
 * again after the EOI (LAPIC broadcast or the EOI register) if the input is still active. Switching a pin to edge
 * clears Remote IRR (Linux's EOI fallback for IOAPICs without the EOI register relies on this).
 *
 * <p>Guest mistakes (wrong size, unknown offset or register) are ignored and counted in {@link #badAccesses()}.
 * Thread-safe: one lock; messages are delivered after it is released.
 */
public final class IoApic {
    private static final Logger LOG = LoggerFactory.getLogger(IoApic.class);

    public static final long DEFAULT_ADDRESS = 0xFEC0_0000L;
    public static final int PINS = 24;
    public static final int VERSION = 0x20;
    public static final int IOREGSEL = 0x00;
    public static final int IOWIN = 0x10;
    public static final int EOI = 0x40;
    /** MMIO window size the backend should route here. */
    public static final int MMIO_SIZE = 0x1000;

    public static final int REG_ID = 0x00;
    public static final int REG_VERSION = 0x01;
    public static final int REG_ARBITRATION = 0x02;
    public static final int REG_REDIRECTION = 0x10;

    private final ApicBus bus;
    private final long address;
    private final int gsiBase;
    private final Object lock = new Object();
    private final AtomicLong badAccesses = new AtomicLong();

    // Guarded by lock.
    private int id;
    private int ioregsel;
    private final long[] entries = new long[PINS];
    private final boolean[] requested = new boolean[PINS];
    private final boolean[] wiredActiveLow = new boolean[PINS];
    private final boolean[] heldEdge = new boolean[PINS];

    /**
     * @param id      the IOAPIC ID (4 bits) the MADT announces
     * @param address its MMIO address
     * @param gsiBase the GSI of pin 0
     */
    public IoApic(ApicBus bus, int id, long address, int gsiBase) {
        if (id < 0 || id > 0xF) {
            throw new IllegalArgumentException("IOAPIC ID " + id + " does not fit 4 bits");
        }
        this.bus = bus;
        this.id = id;
        this.address = address;
        this.gsiBase = gsiBase;
        java.util.Arrays.fill(entries, RedirectionEntry.RESET);
        bus.addEoiListener(this::eoi);
    }

    public int id() {
        synchronized (lock) {
            return id;
        }
    }

    public long address() {
        return address;
    }

    public int gsiBase() {
        return gsiBase;
    }

    public int pins() {
        return PINS;
    }

    public long badAccesses() {
        return badAccesses.get();
    }

    /**
     * The board's wiring of {@code pin}: an active-low line (PCI INTx) is electrically low while its device requests
     * service. The guest must then program the pin active-low, as ACPI tells it, to see the request as active.
     */
    public void wireActiveLow(int pin, boolean activeLow) {
        List<InterruptMessage> out = new ArrayList<>(1);
        synchronized (lock) {
            checkPin(pin);
            boolean was = active(pin);
            wiredActiveLow[pin] = activeLow;
            inputChanged(pin, was, out);
        }
        deliver(out);
    }

    /** The input of {@code pin}, for one device to keep. */
    public InterruptLine line(int pin) {
        checkPin(pin);
        return new InterruptLine() {
            @Override
            public void assertLine() {
                setLevel(pin, true);
            }

            @Override
            public void deassertLine() {
                setLevel(pin, false);
            }

            @Override
            public String toString() {
                return "IOAPIC pin " + pin;
            }
        };
    }

    /** A device requests ({@code asserted}) or stops requesting service on {@code pin}. */
    public void setLevel(int pin, boolean asserted) {
        List<InterruptMessage> out = new ArrayList<>(1);
        synchronized (lock) {
            checkPin(pin);
            boolean was = active(pin);
            requested[pin] = asserted;
            inputChanged(pin, was, out);
        }
        deliver(out);
    }

    private static void checkPin(int pin) {
        if (pin < 0 || pin >= PINS) {
            throw new IllegalArgumentException("IOAPIC pin " + pin + " (0-" + (PINS - 1) + ")");
        }
    }

    /** The input as the IOAPIC sees it: the wire level adjusted by the programmed polarity. */
    private boolean active(int pin) {
        boolean wireHigh = requested[pin] != wiredActiveLow[pin];
        boolean programmedLow = (entries[pin] & RedirectionEntry.ACTIVE_LOW) != 0;
        return wireHigh != programmedLow;
    }

    private void inputChanged(int pin, boolean was, List<InterruptMessage> out) {
        long e = entries[pin];
        boolean now = active(pin);
        if (RedirectionEntry.usesRemoteIrr(e)) {
            if (now) {
                serviceLevel(pin, out);
            }
        } else if (now && !was) {
            if (RedirectionEntry.masked(e)) {
                heldEdge[pin] = true;
            } else {
                send(pin, out);
            }
        }
    }

    private void serviceLevel(int pin, List<InterruptMessage> out) {
        long e = entries[pin];
        if (!RedirectionEntry.masked(e) && (e & REMOTE_IRR) == 0 && active(pin)) {
            entries[pin] = e | REMOTE_IRR;
            send(pin, out);
        }
    }

    private void send(int pin, List<InterruptMessage> out) {
        InterruptMessage m = RedirectionEntry.message(entries[pin]);
        if (m == null) {
            badAccesses.incrementAndGet();
            LOG.debug("IOAPIC pin {}: reserved delivery mode, interrupt dropped", pin);
            entries[pin] &= ~REMOTE_IRR;
            return;
        }
        out.add(m);
    }

    private void deliver(List<InterruptMessage> out) {
        for (InterruptMessage m : out) {
            bus.deliver(m);
        }
    }

    /** EOI of {@code vector} (LAPIC broadcast or the EOI register): clears Remote IRR, re-delivers active pins. */
    public void eoi(int vector) {
        List<InterruptMessage> out = new ArrayList<>(1);
        synchronized (lock) {
            for (int pin = 0; pin < PINS; pin++) {
                long e = entries[pin];
                if ((e & REMOTE_IRR) != 0 && (e & RedirectionEntry.VECTOR) == vector) {
                    entries[pin] = e & ~REMOTE_IRR;
                    serviceLevel(pin, out);
                }
            }
        }
        deliver(out);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // MMIO

    /** A guest read at {@code offset} from the IOAPIC's address. */
    public long mmioRead(long offset, int size) {
        synchronized (lock) {
            if (offset == IOREGSEL && (size == 4 || size == 1)) {
                return ioregsel;
            }
            if (offset == IOWIN && size == 4) {
                return Integer.toUnsignedLong(readRegister(ioregsel));
            }
        }
        badAccesses.incrementAndGet(); // the EOI register is write-only
        return 0;
    }

    /** A guest write at {@code offset}. */
    public void mmioWrite(long offset, int size, long value) {
        if (offset == EOI && size == 4) {
            eoi((int) value & 0xFF);
            return;
        }
        List<InterruptMessage> out = new ArrayList<>(1);
        synchronized (lock) {
            if (offset == IOREGSEL && (size == 4 || size == 1)) {
                ioregsel = (int) value & 0xFF;
            } else if (offset == IOWIN && size == 4) {
                writeRegister(ioregsel, (int) value, out);
            } else {
                badAccesses.incrementAndGet();
            }
        }
        deliver(out);
    }

    private int readRegister(int index) {
        if (index == REG_ID || index == REG_ARBITRATION) {
            return id << 24;
        }
        if (index == REG_VERSION) {
            return (PINS - 1) << 16 | VERSION;
        }
        int pin = (index - REG_REDIRECTION) >> 1;
        if (index >= REG_REDIRECTION && pin < PINS) {
            long e = entries[pin];
            return (index & 1) == 0 ? (int) e : (int) (e >>> 32);
        }
        badAccesses.incrementAndGet();
        return 0;
    }

    private void writeRegister(int index, int value, List<InterruptMessage> out) {
        if (index == REG_ID) {
            id = value >>> 24 & 0xF;
            return;
        }
        int pin = (index - REG_REDIRECTION) >> 1;
        if (index < REG_REDIRECTION || pin >= PINS) {
            badAccesses.incrementAndGet(); // version, arbitration (read-only) and reserved registers
            return;
        }
        boolean wasActive = active(pin);
        long old = entries[pin];
        long written = (index & 1) == 0
                ? old & 0xFFFF_FFFF_0000_0000L | Integer.toUnsignedLong(value)
                : old & 0xFFFF_FFFFL | Integer.toUnsignedLong(value) << 32;
        long e = written & RedirectionEntry.WRITABLE | old & REMOTE_IRR;
        if (!RedirectionEntry.level(e)) {
            e &= ~REMOTE_IRR;
        }
        entries[pin] = e;
        if (RedirectionEntry.masked(e)) {
            return;
        }
        if (RedirectionEntry.usesRemoteIrr(e)) {
            heldEdge[pin] = false;
            serviceLevel(pin, out); // unmasking (or reprogramming) an active level pin delivers
        } else if (heldEdge[pin] || active(pin) && !wasActive) {
            heldEdge[pin] = false;
            send(pin, out);
        }
    }
}
