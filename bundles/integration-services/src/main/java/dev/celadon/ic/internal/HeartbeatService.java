package dev.celadon.ic.internal;

import dev.celadon.ic.HeartbeatStatus;
import dev.celadon.vmbus.Guid;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The heartbeat IC: once per interval (one second by default) the host sends a sequence number and the guest
 * answers with it plus one. The next request carries the guest's number, so the sequence counts round trips.
 * An answer whose number is not the request's plus one is ignored with a logged reason. Versions offered: 3.0 and
 * 1.0 (same layout); Linux 6.1 picks 3.0.
 */
final class HeartbeatService extends IcService {
    static final List<IcVersion> VERSIONS = List.of(new IcVersion(3, 0), new IcVersion(1, 0));
    /** Intervals without an answer after which the guest is reported as not answering. */
    static final int MISSED = 3;

    private final long intervalMs;
    /** Guarded by this. */
    private long sequence;
    private long answers;
    private Instant lastSeen;
    private long lastSeenNanos;
    private Instant waitingSince;

    HeartbeatService(String vm, Guid instance, ScheduledExecutorService scheduler, long intervalMs) {
        super(vm, "heartbeat", instance, VERSIONS, scheduler);
        this.intervalMs = intervalMs;
    }

    @Override
    public Guid interfaceType() {
        return IcGuids.HEARTBEAT;
    }

    @Override
    void ready(int g, IcNegotiate.Result v) {
        synchronized (this) {
            waitingSince = Instant.now();
            lastSeen = null; // what an earlier open saw says nothing about this one
            sequence = 0;
        }
        task(g, 0, intervalMs, () -> {
            long seq;
            synchronized (this) {
                seq = sequence;
            }
            send(g, IcMessageHeader.TYPE_HEARTBEAT,
                    tx -> HeartbeatMessage.encodeRequest(v.framework(), v.message(), tx, seq), seq);
        });
    }

    @Override
    void answered(IcMessageHeader header, byte[] data, Object context) throws IcProtocolException {
        long sent = (Long) context;
        long got = HeartbeatMessage.sequence(data);
        IcProtocolException.require(header.status() == IcMessageHeader.HV_S_OK, String.format(
                "HEARTBEAT answered with status 0x%08x", header.status()));
        IcProtocolException.require(got == sent + 1, "HEARTBEAT answer carries sequence " + Long.toUnsignedString(got)
                + " to a request of " + sent + " (" + (sent + 1) + " expected)");
        synchronized (this) {
            sequence = got;
            answers++;
            lastSeen = Instant.now();
            lastSeenNanos = System.nanoTime();
        }
    }

    HeartbeatStatus heartbeat() {
        synchronized (this) {
            boolean alive = lastSeen != null && System.nanoTime() - lastSeenNanos < MISSED * intervalMs * 1_000_000L;
            return new HeartbeatStatus(status(), sequence, answers, lastSeen, alive);
        }
    }

    @Override
    synchronized String readyDetail() {
        if (lastSeen == null) {
            return "waiting for the first answer (since " + ago(waitingSince) + ")";
        }
        boolean alive = System.nanoTime() - lastSeenNanos < MISSED * intervalMs * 1_000_000L;
        return alive ? "ok (last seen " + ago(lastSeen) + ", seq " + sequence + ")"
                : "no answer since " + lastSeen + " (" + ago(lastSeen) + ", seq " + sequence + ")";
    }
}
