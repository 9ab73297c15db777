package dev.celadon.enlightenment.stimer.internal;

import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import dev.celadon.hypervisor.api.intercept.Registration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The four synthetic timers of every virtual processor of one partition (TLFS "Synthetic Timers"):
 * HV_X64_MSR_STIMERn_CONFIG at 0x400000B0 + 2n and HV_X64_MSR_STIMERn_COUNT at 0x400000B1 + 2n. COUNT is the
 * absolute expiration time of a one-shot timer and the period of a periodic one, in reference time (100 ns).
 * Expiry interrupts the processor directly with the configured vector (direct mode) or posts HVMSG_TIMER_EXPIRED
 * into the configured SINT through the core's SynIC, which queues it behind a busy slot and hands it over on EOM.
 *
 * <p>One host thread per partition, started at the first arming and joined at close, sleeps until the earliest
 * deadline. Guard: this object's monitor (MSR accesses on VP threads, expiry on the timer thread); deliveries are
 * made outside it.
 */
final class SyntheticTimers implements MsrHandler, EnlightenmentInstance {

    static final int CONFIG0 = 0x400000B0, TIMERS = 4, MSR_COUNT = 2 * TIMERS;
    /**
     * The shortest period honoured (100 us): a guest asking for 100 ns periods would otherwise keep a host thread
     * delivering ten million interrupts a second. One-shot timers need a guest exit per arming and are not bounded.
     */
    static final long MIN_PERIOD = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(SyntheticTimers.class);

    /** One timer's registers and its deadline (reference time; 0 when not armed). */
    private static final class Timer {
        StimerConfig config = StimerConfig.DISABLED;
        long count;
        long deadline;
        long missed;
    }

    private record Expiry(int vp, int index, StimerConfig config, long deadline) {
    }

    private final EnlightenedPartition partition;
    private final Timer[][] timers;
    private final Registration registration;
    private Thread thread; // guarded by this; started at the first arming
    private volatile boolean closed;

    SyntheticTimers(EnlightenedPartition partition) {
        this.partition = partition;
        this.timers = new Timer[partition.vpCount()][TIMERS];
        for (Timer[] vp : timers) {
            for (int i = 0; i < TIMERS; i++) {
                vp[i] = new Timer();
            }
        }
        this.registration = partition.msr(CONFIG0, MSR_COUNT, this);
    }

    private Timer timer(VirtualProcessor vp, int msr) {
        int n = msr - CONFIG0;
        if (n < 0 || n >= MSR_COUNT || vp.index() < 0 || vp.index() >= timers.length) {
            throw new GeneralProtectionFault(String.format("0x%x: not a synthetic timer MSR", msr));
        }
        return timers[vp.index()][n / 2];
    }

    private static boolean isConfig(int msr) {
        return ((msr - CONFIG0) & 1) == 0;
    }

    @Override
    public synchronized long read(VirtualProcessor vp, int msr) {
        Timer t = timer(vp, msr);
        return isConfig(msr) ? t.config.raw() : t.count;
    }

    @Override
    public void write(VirtualProcessor vp, int msr, long value) {
        Timer t = timer(vp, msr);
        boolean armed;
        synchronized (this) {
            if (isConfig(msr)) {
                StimerConfig c = StimerConfig.decode(value);
                // Message mode needs a SINT: SINT0 is the guest's own choice, but no Linux uses it; KVM treats an
                // enabled message-mode timer on SINT0 as disabled, and so do we.
                if (c.enabled() && !c.direct() && c.sint() == 0) {
                    c = c.withEnable(false);
                }
                t.config = c;
            } else {
                t.count = value;
                if (value == 0) {
                    t.config = t.config.withEnable(false); // COUNT 0 stops the timer
                } else if (t.config.autoEnable()) {
                    t.config = t.config.withEnable(true);
                }
            }
            armed = arm(t, partition.referenceTime());
        }
        if (armed) {
            wake();
        }
    }

    /** Computes the timer's deadline from its registers; whether it is now armed. Holds the monitor. */
    private boolean arm(Timer t, long now) {
        if (!t.config.enabled() || t.count == 0) {
            t.deadline = 0;
            return false;
        }
        t.deadline = t.config.periodic() ? now + Math.max(t.count, MIN_PERIOD) : Math.max(t.count, 1);
        if (thread == null && !closed) {
            thread = new Thread(this::run, "celadon-" + partition.partition().name() + "-stimer");
            thread.setDaemon(true);
            thread.start();
        }
        return true;
    }

    private void wake() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void run() {
        while (!closed) {
            List<Expiry> due = new ArrayList<>();
            long next = Long.MAX_VALUE;
            long now = partition.referenceTime();
            synchronized (this) {
                for (int vp = 0; vp < timers.length; vp++) {
                    for (int i = 0; i < TIMERS; i++) {
                        Timer t = timers[vp][i];
                        if (t.deadline == 0) {
                            continue;
                        }
                        if (t.deadline <= now) {
                            due.add(new Expiry(vp, i, t.config, t.deadline));
                            expired(t, now);
                        }
                        if (t.deadline != 0) {
                            next = Math.min(next, t.deadline);
                        }
                    }
                }
            }
            for (Expiry e : due) {
                deliver(e, now);
            }
            if (closed || !due.isEmpty()) {
                continue;
            }
            if (next == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, (next - now) * 100);
            }
        }
    }

    /** After an expiry: a one-shot timer is disabled (TLFS); a periodic one moves on, skipping missed periods. */
    private void expired(Timer t, long now) {
        if (!t.config.periodic()) {
            t.config = t.config.withEnable(false);
            t.deadline = 0;
            return;
        }
        long period = Math.max(t.count, MIN_PERIOD);
        long late = (now - t.deadline) / period;
        t.missed += late;
        t.deadline += (late + 1) * period;
    }

    private void deliver(Expiry e, long now) {
        if (e.config().direct()) {
            partition.deliver(e.vp(), e.config().vector());
            return;
        }
        PostResult r = partition.hv().post(e.vp(), e.config().sint(), TimerExpiredMessage.of(e.index(), e.deadline(), now));
        if (r == PostResult.NOT_ENABLED || r == PostResult.QUEUE_FULL) {
            // The guest has not enabled that SINT (or does not drain it): the expiration is lost, as a missed tick.
            synchronized (this) {
                timers[e.vp()][e.index()].missed++;
            }
            LOG.debug("partition {}: stimer{} of VP {} expired into SINT{}: {}", partition.partition().name(),
                    e.index(), e.vp(), e.config().sint(), r);
        }
    }

    /** Expirations not delivered (missed periods, disabled or full SINTs) of one timer; for diagnostics and tests. */
    synchronized long missed(int vp, int index) {
        return timers[vp][index].missed;
    }

    @Override
    public void close() {
        closed = true;
        registration.close();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.error("partition {}: stimer thread did not end", partition.partition().name());
            }
        }
    }
}
