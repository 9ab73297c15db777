package dev.celadon.ic.internal;

import dev.celadon.vmbus.Guid;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The time synchronisation IC: right after negotiation a sample flagged {@link TimeSyncMessage#FLAG_SYNC}
 * (Linux sets its clock to it: do_settimeofday64), then one flagged {@link TimeSyncMessage#FLAG_SAMPLE} per interval
 * (five seconds by default, as Hyper-V; Linux keeps it for its PTP clock "hyperv", /dev/ptp0). The host time is
 * UTC in 100 ns units since 1601.
 *
 * <p>Versions offered: 3.0 and 1.0, not 4.0. Version 4 messages carry the guest's reference time (TIME_REF_COUNT)
 * at sampling, which Linux subtracts from its own reading at receipt; here that MSR is a licence-gated enlightenment
 * (hv-timing), and a guest without it reads 0, which would put its clock off by the VM's uptime. With 3.0 Linux
 * reads its own counter at receipt, right whether the MSR exists or not; what is lost is the correction for the
 * time the sample spent in the ring, milliseconds.
 */
final class TimeSyncService extends IcService {
    static final List<IcVersion> VERSIONS = List.of(new IcVersion(3, 0), new IcVersion(1, 0));

    private final long intervalMs;
    /** Guarded by this. */
    private long sent;
    private long answered;
    private Instant syncAnswered;
    private Instant lastAnswer;

    TimeSyncService(String vm, Guid instance, ScheduledExecutorService scheduler, long intervalMs) {
        super(vm, "timesync", instance, VERSIONS, scheduler);
        this.intervalMs = intervalMs;
    }

    @Override
    public Guid interfaceType() {
        return IcGuids.TIMESYNC;
    }

    @Override
    void ready(int g, IcNegotiate.Result v) {
        synchronized (this) {
            syncAnswered = null;
        }
        task(g, 0, 0, () -> sample(g, v, TimeSyncMessage.FLAG_SYNC));
        task(g, intervalMs, intervalMs, () -> sample(g, v, TimeSyncMessage.FLAG_SAMPLE));
    }

    private void sample(int g, IcNegotiate.Result v, int flags) {
        // Taken as late as possible: the time is read as the packet is built.
        if (send(g, IcMessageHeader.TYPE_TIMESYNC, tx -> TimeSyncMessage.encodeRequest(v.framework(), v.message(), tx,
                TimeSyncMessage.hostTime(Instant.now()), 0, flags), flags)) {
            synchronized (this) {
                sent++;
            }
        }
    }

    @Override
    void answered(IcMessageHeader header, byte[] data, Object context) throws IcProtocolException {
        IcProtocolException.require(header.status() == IcMessageHeader.HV_S_OK, String.format(
                "TIMESYNC answered with status 0x%08x", header.status()));
        synchronized (this) {
            answered++;
            lastAnswer = Instant.now();
            if ((Integer) context == TimeSyncMessage.FLAG_SYNC) {
                syncAnswered = lastAnswer;
            }
        }
    }

    /** Whether the guest has answered the SYNC sample of this open. */
    synchronized boolean synced() {
        return syncAnswered != null;
    }

    @Override
    synchronized String readyDetail() {
        return (syncAnswered != null ? "clock set (sync answered " + ago(syncAnswered) + ")" : "sync sent")
                + ", " + sent + " samples sent, " + answered + " answered"
                + (lastAnswer != null ? ", last " + ago(lastAnswer) : "");
    }
}
