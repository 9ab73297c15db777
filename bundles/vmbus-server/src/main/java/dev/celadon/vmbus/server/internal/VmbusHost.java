package dev.celadon.vmbus.server.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.hyperv.ConnectionHandler;
import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.CloseChannel;
import dev.celadon.vmbus.ChannelMessage.GpadlBody;
import dev.celadon.vmbus.ChannelMessage.GpadlHeader;
import dev.celadon.vmbus.ChannelMessage.GpadlTeardown;
import dev.celadon.vmbus.ChannelMessage.InitiateContact;
import dev.celadon.vmbus.ChannelMessage.ModifyChannel;
import dev.celadon.vmbus.ChannelMessage.OpenChannel;
import dev.celadon.vmbus.ChannelMessage.RelidReleased;
import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.GpadlAssembler;
import dev.celadon.vmbus.GpadlMemory;
import dev.celadon.vmbus.GpadlTable;
import dev.celadon.vmbus.VmbusProtocolException;
import dev.celadon.vmbus.VmbusVersion;
import dev.celadon.vmbus.ring.RingBuffer;
import dev.celadon.vmbus.server.ChannelInfo;
import dev.celadon.vmbus.server.ChannelInfo.State;
import dev.celadon.vmbus.server.VmbusDevice;
import dev.celadon.vmbus.server.VmbusServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The VMBus control protocol, host side, for one partition. All control state is guarded by this object's lock;
 * messages are handled on the posting VP's thread, one at a time. A message that breaks the protocol is refused
 * with the protocol's failure status where the message has an answer, logged, and recorded in
 * {@link #violations()}; it never affects another channel or the connection.
 *
 * <pre>
 *  DISCONNECTED --INITIATE_CONTACT(accepted version)--> CONNECTED --REQUESTOFFERS--> OFFERS_SENT
 *  CONNECTED / OFFERS_SENT --UNLOAD--> DISCONNECTED (every channel closed, every GPADL dropped)
 * </pre>
 */
public final class VmbusHost implements VmbusServer {
    private static final Logger LOG = LoggerFactory.getLogger(VmbusHost.class);

    /** NTSTATUS STATUS_UNSUCCESSFUL: what Hyper-V puts in a failed creation_status / open status. */
    public static final int STATUS_UNSUCCESSFUL = 0xC0000001;
    /** Channel connection ids are relid + this (as QEMU's host numbers them), clear of the message ids 1..4. */
    public static final int CHANNEL_CONNECTION_BASE = 16;
    /** GPADLs being assembled at once; a guest that starts more without finishing them is refused. */
    public static final int MAX_PENDING_GPADLS = 64;
    /** GPADLs per connection (Linux uses a few per channel). */
    public static final int MAX_GPADLS = 4096;

    private final HvPartition partition;
    private final GuestMemory memory;
    private final int vpCount;
    private final List<Registration> messageConnections = new ArrayList<>();
    private final TreeMap<Integer, ServerChannel> channels = new TreeMap<>();
    private final Map<Integer, GpadlAssembler> pendingGpadls = new HashMap<>();
    private final Deque<String> violations = new ArrayDeque<>();
    /** Violations per offered relid (counted by workers too, without the server's lock); dropped with the relid. */
    private final Map<Integer, AtomicLong> violationCounts = new ConcurrentHashMap<>();
    private GpadlTable gpadls = new GpadlTable();
    /** Handle to owning relid, beside the table, for per-channel counts. */
    private final Map<Integer, Integer> gpadlOwners = new HashMap<>();

    private int version;
    private int messageConnectionId;
    private int targetVcpu;
    private int messageSint = VMBUS_MESSAGE_SINT;
    private long interruptPage;
    private long monitorPage1;
    private long monitorPage2;
    private boolean offersRequested;
    private boolean closed;

    public VmbusHost(HvPartition partition, GuestMemory memory, int vpCount) {
        if (vpCount < 1) {
            throw new IllegalArgumentException("vpCount " + vpCount);
        }
        this.partition = partition;
        this.memory = memory;
        this.vpCount = vpCount;
        ConnectionHandler h = new ConnectionHandler() {
            @Override
            public int postMessage(int vpIndex, int connectionId, HvMessageType type, byte[] payload) {
                return message(vpIndex, connectionId, type, payload);
            }
        };
        // Below 5.0 the guest posts to id 1, from 5.0 INITIATE_CONTACT goes to id 4.
        messageConnections.add(partition.connect(VmbusVersion.MESSAGE_CONNECTION_ID, h));
        try {
            messageConnections.add(partition.connect(VmbusVersion.MESSAGE_CONNECTION_ID_V5, h));
        } catch (RuntimeException e) {
            messageConnections.forEach(Registration::close);
            throw e;
        }
    }

    /**
     * Whether this server speaks {@code v}: every version Linux 6.1 proposes (5.3 down to 2.4). Nothing a host
     * must do differs between them for the messages spoken here, except the MODIFYCHANNEL_RESPONSE of 5.3 (sent)
     * and the message connection id of 5.0 (answered); the monitor pages of every version go unused because
     * offers have monitor_allocated = 0.
     */
    public static boolean accepts(int v) {
        for (int p : VmbusVersion.LINUX_6_1_PROPOSALS) {
            if (p == v) {
                return true;
            }
        }
        return false;
    }

    // ---- the message connection ----

    private synchronized int message(int vp, int connectionId, HvMessageType type, byte[] payload) {
        if (closed) {
            return HvStatus.INVALID_CONNECTION_ID;
        }
        if (!type.equals(HvMessageType.VMBUS)) {
            violation(-1, "message of type " + type + " on connection " + connectionId + " (VMBus is type 1)");
            return HvStatus.INVALID_PARAMETER;
        }
        ChannelMessage m;
        try {
            m = ChannelMessage.decode(payload);
        } catch (VmbusProtocolException e) {
            violation(-1, "undecodable message: " + e.getMessage());
            return HvStatus.SUCCESS;
        }
        if (version != 0 && connectionId != messageConnectionId && !(m instanceof InitiateContact)) {
            violation(-1, m.type() + " on connection " + connectionId + ", negotiated " + messageConnectionId);
            return HvStatus.INVALID_CONNECTION_ID;
        }
        try {
            dispatch(vp, connectionId, m);
        } catch (VmbusProtocolException e) {
            // Decoders and GPADL checks below report through this; the message is refused, the server goes on.
            violation(-1, m.type() + ": " + e.getMessage());
        }
        return HvStatus.SUCCESS;
    }

    private void dispatch(int vp, int connectionId, ChannelMessage m) {
        if (version == 0 && !(m instanceof InitiateContact)) {
            violation(-1, m.type() + " before INITIATE_CONTACT");
            return;
        }
        if (m instanceof InitiateContact c) {
            initiateContact(connectionId, c);
        } else if (m instanceof ChannelMessage.RequestOffers) {
            requestOffers();
        } else if (m instanceof GpadlHeader h) {
            gpadlHeader(h);
        } else if (m instanceof GpadlBody b) {
            gpadlBody(b);
        } else if (m instanceof GpadlTeardown t) {
            gpadlTeardown(t);
        } else if (m instanceof OpenChannel o) {
            openChannel(o);
        } else if (m instanceof CloseChannel c) {
            closeChannel(c);
        } else if (m instanceof RelidReleased r) {
            relidReleased(r);
        } else if (m instanceof ModifyChannel mc) {
            modifyChannel(mc);
        } else if (m instanceof ChannelMessage.Unload) {
            unload();
        } else {
            violation(-1, m.type() + " is a host-to-guest message");
        }
    }

    private void initiateContact(int connectionId, InitiateContact c) {
        if (version != 0) {
            // Linux negotiates once per load (again only after UNLOAD); a second one is refused, the connection
            // and its channels stay as they are.
            violation(-1, "INITIATE_CONTACT " + VmbusVersion.toString(c.version()) + " while connected at "
                    + VmbusVersion.toString(version));
            send(new ChannelMessage.VersionResponse(false, 0, messageConnectionId));
            return;
        }
        int v = c.version();
        boolean v5 = Integer.compareUnsigned(v, VmbusVersion.WIN10_V5) >= 0;
        String refusal = null;
        if (!accepts(v)) {
            refusal = "version " + VmbusVersion.toString(v) + " is not one this host speaks";
        } else if (connectionId != (v5 ? VmbusVersion.MESSAGE_CONNECTION_ID_V5 : VmbusVersion.MESSAGE_CONNECTION_ID)) {
            refusal = "version " + VmbusVersion.toString(v) + " proposed on connection " + connectionId;
        } else if (Integer.compareUnsigned(c.targetVcpu(), vpCount) >= 0) {
            refusal = "target_vcpu " + Integer.toUnsignedString(c.targetVcpu()) + " of " + vpCount + " VPs";
        } else if (v5 && c.messageSint() >= HvPartition.SINT_COUNT) {
            refusal = "msg_sint " + c.messageSint();
        } else if (!pageOrZero(c.monitorPage1()) || !pageOrZero(c.monitorPage2())) {
            refusal = String.format("monitor pages 0x%x, 0x%x are not page-aligned RAM", c.monitorPage1(),
                    c.monitorPage2());
        }
        targetVcpu = Integer.compareUnsigned(c.targetVcpu(), vpCount) < 0 ? c.targetVcpu() : 0;
        messageSint = v5 && c.messageSint() < HvPartition.SINT_COUNT ? c.messageSint() : VMBUS_MESSAGE_SINT;
        if (refusal != null) {
            // supported = 0 makes Linux try its next version; an unknown proposal is not a violation.
            LOG.info("VMBus: refused contact: {}", refusal);
            if (accepts(v)) {
                violation(-1, "INITIATE_CONTACT refused: " + refusal);
            }
            send(new ChannelMessage.VersionResponse(false, 0, 0));
            return;
        }
        version = v;
        messageConnectionId = v5 ? VmbusVersion.MESSAGE_CONNECTION_ID_V5 : VmbusVersion.MESSAGE_CONNECTION_ID;
        interruptPage = v5 ? 0 : c.interruptPage();
        monitorPage1 = c.monitorPage1();
        monitorPage2 = c.monitorPage2();
        LOG.info("VMBus: connected at {} (messages on connection {}, SINT {} of VP {}; monitor pages 0x{}, 0x{})",
                VmbusVersion.toString(v), messageConnectionId, messageSint, targetVcpu,
                Long.toHexString(monitorPage1), Long.toHexString(monitorPage2));
        send(new ChannelMessage.VersionResponse(true, 0, messageConnectionId));
    }

    private boolean pageOrZero(long gpa) {
        return gpa == 0 || ((gpa & (Gpadl.PAGE_SIZE - 1)) == 0 && memory.isRam(gpa, Gpadl.PAGE_SIZE));
    }

    private void requestOffers() {
        if (offersRequested) {
            violation(-1, "duplicate REQUESTOFFERS");
            return;
        }
        offersRequested = true;
        for (ServerChannel ch : channels.values()) {
            if (ch.state == State.PENDING) {
                sendOffer(ch);
            }
        }
        send(new ChannelMessage.AllOffersDelivered());
    }

    private void sendOffer(ServerChannel ch) {
        VmbusDevice d = ch.device;
        byte[] user = d.offerUserDefined();
        send(new ChannelMessage.OfferChannel(d.interfaceType(), d.instance(), 0, 0, user == null ? new byte[0] : user,
                0, ch.relid, 0, false, true, ch.connectionId));
        ch.state = State.OFFERED;
    }

    /** A channel the guest may address: offered to it and not rescinded. */
    private ServerChannel offered(int relid) {
        ServerChannel ch = channels.get(relid);
        return ch == null || ch.state == State.PENDING || ch.state == State.RESCINDED ? null : ch;
    }

    // ---- GPADLs ----

    private void gpadlHeader(GpadlHeader h) {
        ServerChannel ch = offered(h.childRelid());
        String refusal = null;
        if (ch == null) {
            refusal = "channel " + h.childRelid() + " is not offered";
        } else if (gpadls.get(h.gpadl()) != null || pendingGpadls.containsKey(h.gpadl())) {
            refusal = "handle in use";
        } else if (pendingGpadls.size() >= MAX_PENDING_GPADLS) {
            refusal = pendingGpadls.size() + " GPADLs already being built";
        } else if (gpadls.size() >= MAX_GPADLS) {
            refusal = MAX_GPADLS + " GPADLs exist";
        }
        if (refusal != null) {
            gpadlFailed(h.childRelid(), h.gpadl(), refusal);
            return;
        }
        GpadlAssembler a = new GpadlAssembler(h);
        if (a.complete()) {
            gpadlComplete(a);
        } else {
            pendingGpadls.put(h.gpadl(), a);
        }
    }

    private void gpadlBody(GpadlBody b) {
        GpadlAssembler a = pendingGpadls.get(b.gpadl());
        if (a == null) {
            violation(-1, String.format("GPADL_BODY for 0x%x, which no GPADL_HEADER started", b.gpadl()));
            return;
        }
        try {
            a.add(b);
        } catch (VmbusProtocolException e) {
            pendingGpadls.remove(b.gpadl());
            gpadlFailed(a.childRelid(), a.handle(), e.getMessage());
            return;
        }
        if (a.complete()) {
            pendingGpadls.remove(b.gpadl());
            gpadlComplete(a);
        }
    }

    private void gpadlComplete(GpadlAssembler a) {
        if (offered(a.childRelid()) == null) {
            gpadlFailed(a.childRelid(), a.handle(), "channel " + a.childRelid() + " went away");
            return;
        }
        try {
            Gpadl g = a.gpadl().checkRam(memory);
            gpadls.add(a.childRelid(), a.handle(), g);
            gpadlOwners.put(a.handle(), a.childRelid());
        } catch (VmbusProtocolException e) {
            gpadlFailed(a.childRelid(), a.handle(), e.getMessage());
            return;
        }
        send(new ChannelMessage.GpadlCreated(a.childRelid(), a.handle(), 0));
    }

    private void gpadlFailed(int relid, int handle, String reason) {
        violation(relid, String.format("GPADL 0x%x for channel %d refused: %s", handle, relid, reason));
        send(new ChannelMessage.GpadlCreated(relid, handle, STATUS_UNSUCCESSFUL));
    }

    private void gpadlTeardown(GpadlTeardown t) {
        int owner = gpadls.channelOf(t.gpadl());
        if (owner != t.childRelid()) {
            violation(t.childRelid(), String.format("GPADL_TEARDOWN of 0x%x by channel %d, %s", t.gpadl(),
                    t.childRelid(), owner < 0 ? "no such GPADL" : "owned by channel " + owner));
            return;
        }
        ServerChannel ch = channels.get(owner);
        if (ch != null && ch.session != null && ch.session.ringGpadl() == t.gpadl()) {
            // The rings live in these pages: stop using them before they are given back.
            failChannel(ch, String.format("ring GPADL 0x%x torn down while open", t.gpadl()));
        }
        gpadls.remove(t.gpadl());
        gpadlOwners.remove(t.gpadl());
        send(new ChannelMessage.GpadlTorndown(t.gpadl()));
    }

    // ---- open and close ----

    private void openChannel(OpenChannel o) {
        ServerChannel ch = offered(o.childRelid());
        String refusal = openRefusal(ch, o);
        ChannelSession session = null;
        if (refusal == null) {
            try {
                session = newSession(ch, o);
            } catch (VmbusProtocolException e) {
                refusal = e.getMessage();
            }
        }
        if (refusal == null) {
            try {
                ch.device.open(session);
            } catch (RuntimeException e) {
                refusal = "device refused: " + e;
            }
        }
        if (refusal != null) {
            violation(o.childRelid(), "OPEN_CHANNEL " + o.childRelid() + " refused: " + refusal);
            send(new ChannelMessage.OpenChannelResult(o.childRelid(), o.openId(), STATUS_UNSUCCESSFUL));
            return;
        }
        ch.session = session;
        ch.state = State.OPEN;
        session.start();
        send(new ChannelMessage.OpenChannelResult(o.childRelid(), o.openId(), 0));
    }

    private String openRefusal(ServerChannel ch, OpenChannel o) {
        if (ch == null) {
            return "channel is not offered";
        }
        if (ch.state == State.OPEN || ch.state == State.FAILED) {
            return "channel is already open" + (ch.effectiveState() == State.FAILED ? " (failed; CLOSE it first)" : "");
        }
        Gpadl g = gpadls.get(o.ringGpadl());
        if (g == null || gpadls.channelOf(o.ringGpadl()) != ch.relid) {
            return String.format("ring GPADL 0x%x is not a GPADL of this channel", o.ringGpadl());
        }
        if (g.byteOffset() != 0 || g.byteCount() != (long) g.pageCount() * Gpadl.PAGE_SIZE) {
            return "ring GPADL is not whole pages";
        }
        long k = Integer.toUnsignedLong(o.downstreamPageOffset());
        // Each ring is a header page and at least one data page.
        if (k < 2 || k > g.pageCount() - 2) {
            return "downstream_ringbuffer_pageoffset " + k + " in a ring GPADL of " + g.pageCount() + " pages";
        }
        long in = k * Gpadl.PAGE_SIZE;
        long out = (g.pageCount() - k) * Gpadl.PAGE_SIZE;
        VmbusDevice d = ch.device;
        if (in < d.minRingBytes() || out < d.minRingBytes() || in > d.maxRingBytes() || out > d.maxRingBytes()) {
            return "rings of " + in + " and " + out + " bytes, the device takes " + d.minRingBytes() + ".."
                    + d.maxRingBytes();
        }
        if (Integer.compareUnsigned(o.targetVp(), vpCount) >= 0) {
            return "target_vp " + Integer.toUnsignedString(o.targetVp()) + " of " + vpCount + " VPs";
        }
        return null;
    }

    private ChannelSession newSession(ServerChannel ch, OpenChannel o) {
        Gpadl g = gpadls.get(o.ringGpadl());
        GpadlMemory all = g.memory(memory);
        long split = (long) o.downstreamPageOffset() * Gpadl.PAGE_SIZE;
        // The guest-to-host ring comes first; the host-to-guest ring starts at the page offset given.
        RingBuffer inbound = RingBuffer.open(all.slice(0, split));
        RingBuffer outbound = RingBuffer.open(all.slice(split, all.size() - split));
        return new ChannelSession(partition, messageSint, ch.relid, ch.connectionId, o.ringGpadl(), o.targetVp(),
                o.userData(), inbound, outbound, ch.device, this::violation);
    }

    private void closeChannel(CloseChannel c) {
        ServerChannel rescinded = channels.get(c.childRelid());
        if (rescinded != null && rescinded.state == State.RESCINDED) {
            // Linux answers a rescind of an open channel with CLOSECHANNEL (vmbus_close_internal), then
            // RELID_RELEASED: the session was stopped by the rescind already, so there is nothing to close.
            LOG.debug("VMBus: CLOSE_CHANNEL {} after its rescind", c.childRelid());
            return;
        }
        ServerChannel ch = offered(c.childRelid());
        if (ch == null || ch.session == null) {
            violation(c.childRelid(), "CLOSE_CHANNEL " + c.childRelid() + ": channel is not open");
            return;
        }
        ch.session.stop();
        ch.session = null;
        ch.state = State.OFFERED;
    }

    private void failChannel(ServerChannel ch, String reason) {
        if (ch.session != null) {
            ch.session.fail(reason);
            ch.closeReason = reason;
            ch.state = State.FAILED;
        }
    }

    private void modifyChannel(ModifyChannel mc) {
        ServerChannel ch = offered(mc.childRelid());
        int status = 0;
        if (ch == null || ch.session == null) {
            violation(mc.childRelid(), "MODIFYCHANNEL " + mc.childRelid() + ": channel is not open");
            status = STATUS_UNSUCCESSFUL;
        } else if (Integer.compareUnsigned(mc.targetVp(), vpCount) >= 0) {
            violation(mc.childRelid(), "MODIFYCHANNEL target_vp " + Integer.toUnsignedString(mc.targetVp()));
            status = STATUS_UNSUCCESSFUL;
        } else {
            ch.session.retarget(mc.targetVp());
        }
        if (Integer.compareUnsigned(version, VmbusVersion.WIN10_V5_3) >= 0) {
            send(new ChannelMessage.ModifyChannelResponse(mc.childRelid(), status));
        }
    }

    // ---- rescind and unload ----

    private void relidReleased(RelidReleased r) {
        ServerChannel ch = channels.get(r.childRelid());
        if (ch == null || ch.state != State.RESCINDED) {
            violation(r.childRelid(), "RELID_RELEASED " + r.childRelid() + ": channel was not rescinded");
            return;
        }
        forget(ch);
    }

    private void forget(ServerChannel ch) {
        channels.remove(ch.relid);
        violationCounts.remove(ch.relid);
        gpadls.removeChannel(ch.relid);
        gpadlOwners.values().removeIf(r -> r == ch.relid);
        pendingGpadls.values().removeIf(a -> a.childRelid() == ch.relid);
        if (ch.registration != null) {
            ch.registration.close();
        }
    }

    private void unload() {
        for (ServerChannel ch : new ArrayList<>(channels.values())) {
            stopSession(ch);
            if (ch.state == State.RESCINDED) {
                forget(ch);
            } else {
                ch.state = State.PENDING;
            }
        }
        gpadls = new GpadlTable();
        gpadlOwners.clear();
        pendingGpadls.clear();
        send(new ChannelMessage.UnloadResponse());
        LOG.info("VMBus: guest unloaded (was {})", VmbusVersion.toString(version));
        version = 0;
        offersRequested = false;
    }

    private void stopSession(ServerChannel ch) {
        if (ch.session != null) {
            ch.session.stop();
            ch.session = null;
        }
    }

    // ---- the device side ----

    @Override
    public synchronized int offer(VmbusDevice device) {
        if (closed) {
            throw new IllegalStateException("server closed");
        }
        for (ServerChannel ch : channels.values()) {
            if (ch.device.instance().equals(device.instance())) {
                throw new IllegalStateException("instance " + device.instance() + " is already offered");
            }
        }
        int relid = 1;
        while (channels.containsKey(relid)) {
            relid++;
        }
        if (relid > ChannelMessage.MAX_RELID) {
            throw new IllegalStateException("every child relid is taken");
        }
        ServerChannel ch = new ServerChannel(relid, relid + CHANNEL_CONNECTION_BASE, device, State.PENDING);
        ch.registration = partition.connect(ch.connectionId, new ConnectionHandler() {
            @Override
            public int signalEvent(int vpIndex, int connectionId, int flagNumber) {
                ChannelSession s = ch.session; // read without the lock: a stale null or old session only drops a signal
                if (s != null) {
                    s.guestSignalled();
                }
                return HvStatus.SUCCESS;
            }
        });
        channels.put(relid, ch);
        violationCounts.put(relid, new AtomicLong());
        if (offersRequested) {
            sendOffer(ch); // hot add
        }
        return relid;
    }

    @Override
    public synchronized boolean rescind(VmbusDevice device) {
        for (ServerChannel ch : channels.values()) {
            if (ch.device == device && ch.state != State.RESCINDED) {
                stopSession(ch);
                if (ch.state == State.PENDING) {
                    forget(ch);
                } else {
                    ch.state = State.RESCINDED;
                    send(new ChannelMessage.RescindChannelOffer(ch.relid));
                }
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized int version() {
        return version;
    }

    /** Message connection id negotiated (1 below 5.0, 4 from 5.0), or 0. */
    public synchronized int messageConnectionId() {
        return version == 0 ? 0 : messageConnectionId;
    }

    /** The monitor pages the guest named in INITIATE_CONTACT (unused: offers have no monitor). */
    public synchronized long[] monitorPages() {
        return new long[] {monitorPage1, monitorPage2};
    }

    /** The interrupt page of a contact below 5.0, else 0. */
    public synchronized long interruptPage() {
        return interruptPage;
    }

    @Override
    public synchronized List<ChannelInfo> channels() {
        List<ChannelInfo> out = new ArrayList<>();
        for (ServerChannel ch : channels.values()) {
            ChannelSession s = ch.session;
            String reason = s != null && s.failure() != null ? s.failure() : ch.closeReason;
            int n = (int) gpadlOwners.values().stream().filter(r -> r == ch.relid).count();
            AtomicLong v = violationCounts.get(ch.relid);
            out.add(new ChannelInfo(ch.relid, ch.connectionId, ch.device.interfaceType(), ch.device.instance(),
                    ch.effectiveState(), n, s == null ? 0 : s.packetsIn.get(), s == null ? 0 : s.packetsOut.get(),
                    s == null ? 0 : s.signalsIn.get(), s == null ? 0 : s.signalsOut.get(), reason,
                    s == null ? null : s.inbound().fill(), s == null ? null : s.outbound().fill(),
                    v == null ? 0 : v.get()));
        }
        return out;
    }

    @Override
    public List<String> violations() {
        synchronized (violations) {
            return new ArrayList<>(violations);
        }
    }

    private void violation(int relid, String reason) {
        LOG.warn("VMBus: {}", reason);
        AtomicLong count = violationCounts.get(relid); // only relids offered now count
        if (count != null) {
            count.incrementAndGet();
        }
        synchronized (violations) {
            if (violations.size() == MAX_EVENTS) {
                violations.removeFirst();
            }
            violations.addLast(reason);
        }
    }

    private void send(ChannelMessage m) {
        PostResult r = partition.post(targetVcpu, messageSint, new SynicMessage(HvMessageType.VMBUS, 0, m.encode()));
        if (r != PostResult.DELIVERED && r != PostResult.QUEUED) {
            LOG.warn("VMBus: {} to VP {} SINT {}: {}", m.type(), targetVcpu, messageSint, r);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ServerChannel ch : channels.values()) {
            stopSession(ch);
            if (ch.registration != null) {
                ch.registration.close();
            }
        }
        channels.clear();
        violationCounts.clear();
        messageConnections.forEach(Registration::close);
    }
}
