package dev.celadon.loopback.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * One processor's local APIC, reduced to what fixed interrupts need: the interrupt request register (a bit per
 * vector; requests for a vector already pending merge, as on hardware), the in-service register, priority by
 * vector class (bits 7:4; a vector is delivered only above the highest class in service) and EOI, which ends the
 * highest vector in service and runs the end-of-interrupt callbacks of the deliveries it merged (the SynIC
 * re-posts queued messages on them). Vectors 0-15 are reserved for exceptions: such requests are counted and
 * dropped, as the APIC's "illegal vector" error would drop them. Guard: this object's monitor; callbacks run
 * outside it.
 */
final class LocalApic {

    static final int MAX_CALLBACKS = 32;

    private final long[] irr = new long[4];
    private final long[] isr = new long[4];
    @SuppressWarnings("unchecked")
    private final List<Runnable>[] pendingEoi = new List[256];
    @SuppressWarnings("unchecked")
    private final List<Runnable>[] inServiceEoi = new List[256];
    private long accepted;
    private long illegal;
    private boolean stopped;

    /** A fixed interrupt arrives (any thread). */
    void request(int vector, Runnable onEoi) {
        if (vector < 0 || vector > 255) {
            throw new IllegalArgumentException("interrupt vector " + vector + " outside 0..255");
        }
        synchronized (this) {
            if (vector < 16) {
                illegal++;
                return;
            }
            irr[vector >>> 6] |= 1L << (vector & 63);
            if (onEoi != null) {
                if (pendingEoi[vector] == null) {
                    pendingEoi[vector] = new ArrayList<>(1);
                }
                // Merged requests keep their callbacks, up to a bound: a guest that never acknowledges must not
                // grow host memory (callbacks are "look again" hooks; running one of a kind is enough).
                if (pendingEoi[vector].size() < MAX_CALLBACKS) {
                    pendingEoi[vector].add(onEoi);
                }
            }
            accepted++;
            notifyAll();
        }
    }

    private static int highest(long[] bits) {
        for (int w = 3; w >= 0; w--) {
            if (bits[w] != 0) {
                return w * 64 + 63 - Long.numberOfLeadingZeros(bits[w]);
            }
        }
        return -1;
    }

    /** The highest requested vector above the in-service class, moved to in-service; or -1. */
    synchronized int acknowledge() {
        int v = highest(irr);
        int s = highest(isr);
        if (v < 0 || (s >= 0 && (v >>> 4) <= (s >>> 4))) {
            return -1;
        }
        irr[v >>> 6] &= ~(1L << (v & 63));
        isr[v >>> 6] |= 1L << (v & 63);
        inServiceEoi[v] = pendingEoi[v];
        pendingEoi[v] = null;
        return v;
    }

    /**
     * Waits until a vector can be acknowledged, the deadline ({@link System#nanoTime()}) passes or {@link #stop}
     * is called. Returns the vector, or -1.
     */
    synchronized int await(long deadlineNanos) throws InterruptedException {
        while (true) {
            int v = acknowledge();
            if (v >= 0 || stopped) {
                return v;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return -1;
            }
            wait(left / 1_000_000L, (int) (left % 1_000_000L));
        }
    }

    /** EOI: ends the highest vector in service; returns the callbacks to run (outside the lock). */
    synchronized List<Runnable> eoi() {
        int s = highest(isr);
        if (s < 0) {
            return List.of(); // an EOI with nothing in service is ignored, as on hardware
        }
        isr[s >>> 6] &= ~(1L << (s & 63));
        List<Runnable> r = inServiceEoi[s];
        inServiceEoi[s] = null;
        return r == null ? List.of() : r;
    }

    synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    synchronized boolean pending(int vector) {
        return (irr[vector >>> 6] & 1L << (vector & 63)) != 0;
    }

    synchronized boolean inService(int vector) {
        return (isr[vector >>> 6] & 1L << (vector & 63)) != 0;
    }

    synchronized long accepted() {
        return accepted;
    }

    synchronized long illegal() {
        return illegal;
    }
}
