package dev.celadon.ic.internal;

import dev.celadon.ic.ServiceStatus;
import dev.celadon.ic.ServiceStatus.State;
import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import dev.celadon.vmbus.server.Channel;
import dev.celadon.vmbus.server.VmbusDevice;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One integration service channel: the host side of hv_utils' request/answer pattern. The host sends every
 * request (inband, its own transaction id); the guest answers in place, inband, with the same VMBus transaction id
 * and {@code ICMSGHDRFLAG_RESPONSE}. At each open the host first sends NEGOTIATE with the versions it speaks; once
 * the guest has chosen, {@link #ready} starts the service's own traffic on the VM's IC thread.
 *
 * <p>Every answer is checked before it is used: the VMBus packet type, the header's length (28 bytes at least,
 * {@link IcMessageHeader#MAX_PACKET_DATA} at most), that its transaction matches a request still waiting (VMBus
 * id and the header's u8 id), that its type is the request's and that it is flagged a response. A failed check
 * ignores the packet with a logged reason ({@link IcEvents}); a NEGOTIATE answer naming versions never offered
 * closes the channel. Nothing a guest sends throws out of {@link #packet}.
 */
abstract class IcService implements VmbusDevice {
    private static final Logger LOG = LoggerFactory.getLogger("dev.celadon.ic");
    /** How long a request waits for ring space: an IC thread serves every service of the VM. */
    static final long SEND_TIMEOUT_MS = 200;
    /** Requests waiting for answers at most; older ones are forgotten (a guest that stopped answering). */
    static final int MAX_PENDING = 16;

    /** Framework versions offered, newest first: 3.0 (Hyper-V 2012 on) and 1.0 (2008); Linux 6.1 takes 3.0. */
    static final List<IcVersion> FRAMEWORKS = List.of(new IcVersion(3, 0), new IcVersion(1, 0));

    final String vm;
    final String service;
    private final Guid instance;
    final ScheduledExecutorService scheduler;
    final IcEvents events;
    private final IcNegotiate offered;

    /** Guarded by this: the open channel and what it negotiated; generation counts opens and closes. */
    private Channel channel;
    private State state = State.CLOSED;
    private IcNegotiate.Result negotiated;
    private String detail = "the guest has not opened the channel";
    private Instant since = Instant.now();
    private int generation;
    private long nextTransaction = 1;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    /** A request waiting for its answer; {@code context} is the service's (a sequence number, a future). */
    record Pending(int type, int transaction, long sentNanos, Object context) {
    }

    IcService(String vm, String service, Guid instance, List<IcVersion> messages, ScheduledExecutorService scheduler) {
        this.vm = vm;
        this.service = service;
        this.instance = instance;
        this.scheduler = scheduler;
        this.events = new IcEvents("VM " + vm + " " + service + " IC");
        this.offered = new IcNegotiate(FRAMEWORKS, messages);
    }

    @Override
    public Guid instance() {
        return instance;
    }

    /** hv_utils opens 16 KiB rings (VMBUS_RING_SIZE of 3 pages); more is allowed, within reason. */
    @Override
    public int maxRingBytes() {
        return 1 << 20;
    }

    IcNegotiate offered() {
        return offered;
    }

    @Override
    public void open(Channel ch) {
        int g;
        synchronized (this) {
            channel = ch;
            state = State.NEGOTIATING;
            negotiated = null;
            pending.clear();
            detail = "waiting for the guest's answer to NEGOTIATE";
            since = Instant.now();
            g = ++generation;
        }
        // Not from here: OPEN_RESULT has not been sent yet. The IC thread sends NEGOTIATE as soon as it runs.
        task(g, 0, 0, () -> send(g, IcMessageHeader.TYPE_NEGOTIATE, offered::encodeRequest, null));
    }

    @Override
    public void packet(Channel ch, VmPacket p) {
        try {
            answer(ch, p);
        } catch (IcProtocolException e) {
            events.record(e.getMessage() + "; ignored");
        } catch (RuntimeException e) {
            // A bug of ours must not close the VM's channel worker's loop over a guest's packet; say so loudly.
            LOG.error("VM {} {} IC: handling {} failed", vm, service, p, e);
            events.record("handling " + p + " failed: " + e);
        }
    }

    @Override
    public void close() {
        List<Pending> dropped;
        synchronized (this) {
            channel = null;
            state = State.CLOSED;
            detail = "the guest closed the channel";
            since = Instant.now();
            generation++;
            tasks.forEach(t -> t.cancel(false));
            tasks.clear();
            dropped = new ArrayList<>(pending.values());
            pending.clear();
        }
        closed(dropped);
    }

    private void answer(Channel ch, VmPacket p) throws IcProtocolException {
        IcProtocolException.require(p.type() == VmPacketType.DATA_INBAND, "packet of type "
                + VmPacketType.name(p.type()) + " (IC answers are inband data)");
        byte[] data = p.data();
        IcMessageHeader h = IcMessageHeader.decode(data);
        Pending req;
        int g;
        synchronized (this) {
            if (ch != channel) {
                return; // a packet of an earlier open, read after the channel was re-opened
            }
            req = pending.get(p.transactionId());
            IcProtocolException.require(req != null, String.format("answer with transaction id 0x%x matches no request"
                    + " waiting", p.transactionId()));
            IcProtocolException.require(h.transaction() == req.transaction, "answer's ictransaction_id "
                    + h.transaction() + " is not the request's " + req.transaction);
            IcProtocolException.require(h.type() == req.type, "answer of type " + IcMessageHeader.typeName(h.type())
                    + " to a " + IcMessageHeader.typeName(req.type) + " request");
            IcProtocolException.require(h.isResponse(), "answer's icflags 0x" + Integer.toHexString(h.flags())
                    + " lack ICMSGHDRFLAG_RESPONSE");
            pending.remove(p.transactionId());
            g = generation;
        }
        if (h.type() == IcMessageHeader.TYPE_NEGOTIATE) {
            negotiated(ch, g, data);
        } else {
            answered(h, data, req.context);
        }
    }

    private void negotiated(Channel ch, int g, byte[] data) throws IcProtocolException {
        IcNegotiate.Result r;
        try {
            r = IcNegotiate.decode(data).chosenFrom(offered);
        } catch (IcProtocolException e) {
            fail(g, "NEGOTIATE answer: " + e.getMessage());
            ch.fail(service + " IC: " + e.getMessage()); // a guest that does not follow negotiation is not served
            return;
        }
        if (r == null) {
            fail(g, "no common version: the guest speaks none of framework " + offered.frameworks() + " / "
                    + service + " " + offered.messages());
            return;
        }
        synchronized (this) {
            if (g != generation) {
                return;
            }
            negotiated = r;
            state = State.READY;
            detail = "ready";
            since = Instant.now();
        }
        LOG.info("VM {}: {} IC negotiated: framework {}, message version {}", vm, service, r.framework(), r.message());
        ready(g, r);
    }

    private void fail(int g, String why) {
        synchronized (this) {
            if (g != generation) {
                return;
            }
            state = State.FAILED;
            detail = why;
            since = Instant.now();
        }
        events.record(why);
    }

    /** The versions agreed at open {@code g}: start the service's own requests. On the channel's worker. */
    abstract void ready(int g, IcNegotiate.Result versions);

    /** A checked answer to one of this service's requests. On the channel's worker. */
    abstract void answered(IcMessageHeader header, byte[] data, Object context) throws IcProtocolException;

    /** The channel closed; {@code dropped} were waiting for answers. */
    void closed(List<Pending> dropped) {
    }

    /**
     * Sends a request at open {@code g}: {@code build} makes the packet data for a header transaction id.
     *
     * @return false if the channel closed or was reopened since, the ring stayed full, or the ring is damaged
     */
    final boolean send(int g, int type, IntFunction<byte[]> build, Object context) {
        Channel ch;
        long tid;
        int tx;
        synchronized (this) {
            if (g != generation || channel == null) {
                return false;
            }
            ch = channel;
            tid = nextTransaction++;
            tx = (int) (tid & 0xff);
            if (pending.size() >= MAX_PENDING) {
                Iterator<Pending> oldest = pending.values().iterator();
                oldest.next();
                oldest.remove();
            }
            pending.put(tid, new Pending(type, tx, System.nanoTime(), context));
        }
        boolean sent;
        try {
            sent = ch.send(VmPacket.inband(0, tid, build.apply(tx)), SEND_TIMEOUT_MS);
        } catch (RuntimeException e) {
            // RingBufferException: the guest damaged the ring and the server closes the channel.
            events.record(IcMessageHeader.typeName(type) + " not sent: " + e.getMessage());
            sent = false;
        }
        if (!sent) {
            synchronized (this) {
                pending.remove(tid);
            }
            if (ch.isOpen()) {
                events.record(IcMessageHeader.typeName(type) + " not sent: the ring stayed full for "
                        + SEND_TIMEOUT_MS + " ms (the guest is not reading)");
            }
        }
        return sent;
    }

    /** Runs {@code r} on the IC thread after {@code delayMs}, every {@code periodMs} if positive, while open {@code g}. */
    final void task(int g, long delayMs, long periodMs, Runnable r) {
        Runnable guarded = () -> {
            if (!current(g)) {
                return;
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.error("VM {} {} IC: task failed", vm, service, e); // the next period runs again
            }
        };
        synchronized (this) {
            if (g != generation) {
                return;
            }
            try {
                tasks.add(periodMs > 0
                        ? scheduler.scheduleAtFixedRate(guarded, delayMs, periodMs, TimeUnit.MILLISECONDS)
                        : scheduler.schedule(guarded, delayMs, TimeUnit.MILLISECONDS));
            } catch (RejectedExecutionException e) {
                // the VM's run is ending: its IC thread is gone
            }
        }
    }

    final synchronized boolean current(int g) {
        return g == generation && channel != null;
    }

    final synchronized State state() {
        return state;
    }

    final synchronized IcNegotiate.Result versions() {
        return negotiated;
    }

    final synchronized int generation() {
        return generation;
    }

    /** The channel's state and versions, and the service's own detail once ready. */
    ServiceStatus status() {
        State s;
        IcNegotiate.Result r;
        String d;
        Instant t;
        synchronized (this) {
            s = state;
            r = negotiated;
            d = detail;
            t = since;
        }
        if (s == State.READY) {
            d = readyDetail();
        } else if (s == State.NEGOTIATING) {
            d = d + " (" + ago(t) + ")";
        }
        return new ServiceStatus(service, s, r == null ? null : r.framework().toString(),
                r == null ? null : r.message().toString(), d);
    }

    /** What the service shows once ready, e.g. "ok (last seen 0.7 s ago, seq 42)". */
    abstract String readyDetail();

    /** One line for vm:info. */
    String describe() {
        ServiceStatus st = status();
        String v = st.version() == null ? "" : " " + st.version();
        String what = switch (st.state()) {
            case UNAVAILABLE -> "not offered: " + st.detail();
            case CLOSED -> "not connected: " + st.detail();
            case NEGOTIATING -> "negotiating: " + st.detail();
            case READY -> st.detail();
            case FAILED -> "failed: " + st.detail();
        };
        long n = events.count();
        return service + " IC" + v + ": " + what + (n == 0 ? "" : " [" + n + " bad packets ignored]");
    }

    List<String> events() {
        return events.snapshot();
    }

    static String ago(Instant t) {
        Duration d = Duration.between(t, Instant.now());
        return String.format("%.1f s ago", d.toMillis() / 1000.0);
    }

    @Override
    public String toString() {
        return service + " IC of VM " + vm;
    }
}
