package dev.celadon.vmbus.client;

import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.loopback.LoopbackVp;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.GpadlMemory;
import dev.celadon.vmbus.VmbusProtocolException;
import dev.celadon.vmbus.VmbusVersion;
import dev.celadon.vmbus.ring.RingBuffer;
import dev.celadon.vmbus.ring.SignalPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The guest side of VMBus on one processor, as Linux 6.1's hv_vmbus speaks it, with every step a real guest
 * operation through the core: control messages are HvPostMessage hypercalls with the message in the processor's
 * input page; the host's messages are read from SINT 2's slot of the SIMP page when its vector interrupts, and
 * EOMed by the pending/EOM protocol; channel signals are HvSignalEvent (fast) on the offer's connection id and
 * come back as event flag {@code relid} in the SIEFP page with the same interrupt.
 *
 * <p>Protocol: INITIATE_CONTACT newest version first (5.x on connection id 4 with the message SINT, older ones on
 * id 1 with an interrupt page; then the msg_conn_id the host answers), REQUESTOFFERS until ALLOFFERS_DELIVERED,
 * GPADLs split into a header of 26 and bodies of 28 page numbers, rings initialised by the guest before
 * OPENCHANNEL, CLOSECHANNEL, GPADL_TEARDOWN, RELID_RELEASED after a rescind, UNLOAD.
 *
 * <p>Host messages are kept in arrival order; {@link #await} takes the first of a kind and leaves the others (a
 * rescind arriving while the guest waits for a GPADL answer is still there afterwards). Not thread-safe: it runs
 * on its processor's thread, like the {@link LoopbackVp} under it.
 */
public final class VmbusGuest {
    /** VMBUS_MESSAGE_SINT: Linux's, and the host's. */
    public static final int VMBUS_SINT = 2;
    /** HYPERVISOR_CALLBACK_VECTOR, Linux's vector for the VMBus SINT. */
    public static final int VECTOR = 0xF3;
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final HvGuest hv;
    private final SynicGuest synic;
    private final GuestPages pages;
    private final LinkedList<ChannelMessage> inbox = new LinkedList<>();
    private final BitSet signalled = new BitSet();
    private final List<String> dropped = new ArrayList<>();
    private Duration timeout = TIMEOUT;
    private int messageConnectionId = VmbusVersion.MESSAGE_CONNECTION_ID;
    private int version;
    private int nextHandle = 0xE1E10;
    private long interrupts;

    public VmbusGuest(HvGuest hv, SynicGuest synic, GuestPages pages) {
        if (synic.sint() != VMBUS_SINT) {
            throw new IllegalArgumentException("VMBus uses SINT " + VMBUS_SINT + ", not " + synic.sint());
        }
        this.hv = hv;
        this.synic = synic;
        this.pages = pages;
    }

    /**
     * Everything a guest kernel does before VMBus on processor {@code vp}: pages above 1 MiB, the Hyper-V
     * interface enabled, the SynIC with SINT 2 on {@link #VECTOR}.
     */
    public static VmbusGuest start(LoopbackVp vp) {
        GuestPages pages = GuestPages.above1MiB(vp.memory());
        HvGuest hv = HvGuest.enable(vp, pages);
        SynicGuest synic = SynicGuest.enable(vp, pages, VMBUS_SINT, VECTOR);
        return new VmbusGuest(hv, synic, pages);
    }

    public HvGuest hv() {
        return hv;
    }

    public SynicGuest synic() {
        return synic;
    }

    public GuestPages pages() {
        return pages;
    }

    public LoopbackVp vp() {
        return hv.vp();
    }

    /** How long each wait for the host lasts (default 5 s). */
    public VmbusGuest timeout(Duration t) {
        this.timeout = t;
        return this;
    }

    public Duration timeout() {
        return timeout;
    }

    /** The negotiated version, 0 before contact or after unload. */
    public int version() {
        return version;
    }

    /** The connection id control messages go to now. */
    public int messageConnectionId() {
        return messageConnectionId;
    }

    /** SINT interrupts taken so far. */
    public long interrupts() {
        return interrupts;
    }

    /** Host messages the guest could not decode (reason each), newest last. */
    public List<String> dropped() {
        return List.copyOf(dropped);
    }

    // ---------------------------------------------------------------- interrupts

    /**
     * One interrupt: waits up to {@code wait} for the VMBus vector, takes every message from the slot (EOM as
     * needed) and every event flag, then EOIs. Returns false if no interrupt came.
     */
    public boolean pump(Duration wait) {
        int v = vp().awaitInterrupt(wait);
        if (v < 0) {
            return false;
        }
        if (v == synic.vector()) {
            interrupts++;
            takeMessages();
            synic.takeEvents(signalled);
        }
        vp().eoi();
        return true;
    }

    private void takeMessages() {
        SynicMessage m;
        while ((m = synic.takeMessage()) != null) {
            if (!m.type().equals(HvMessageType.VMBUS)) {
                dropped.add("SynIC message of type " + m.type() + " on the VMBus SINT");
                continue;
            }
            try {
                inbox.add(ChannelMessage.decode(m.payload()));
            } catch (VmbusProtocolException e) {
                dropped.add(e.getMessage());
            }
        }
    }

    /** Whether channel {@code relid}'s event flag came; clears it. Pumps until then or the deadline. */
    boolean awaitSignal(int relid, long deadlineNanos) {
        while (!signalled.get(relid)) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            pump(Duration.ofNanos(left));
        }
        signalled.clear(relid);
        return true;
    }

    /** Takes a pending signal of {@code relid} without waiting, after looking at the flags page. */
    boolean takeSignal(int relid) {
        synic.takeEvents(signalled);
        boolean s = signalled.get(relid);
        signalled.clear(relid);
        return s;
    }

    // ---------------------------------------------------------------- messages

    /** Posts {@code m} to the message connection; returns the hypercall status. */
    public int post(ChannelMessage m) {
        return hv.postMessage(messageConnectionId, HvMessageType.VMBUS.value(), m.encode());
    }

    /** Posts raw bytes to any connection id (hostile tests). */
    public int postRaw(int connectionId, byte[] payload) {
        return hv.postMessage(connectionId, HvMessageType.VMBUS.value(), payload);
    }

    private void send(ChannelMessage m) {
        HvGuest.check(post(m), "HvPostMessage " + m.type());
    }

    /** The first host message of {@code type} matching {@code match}, waiting up to the timeout. */
    public <T extends ChannelMessage> T await(Class<T> type, Predicate<? super T> match) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Iterator<ChannelMessage> it = inbox.iterator(); it.hasNext(); ) {
                ChannelMessage m = it.next();
                if (type.isInstance(m) && match.test(type.cast(m))) {
                    it.remove();
                    return type.cast(m);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new VmbusGuestException("no " + type.getSimpleName() + " from the host within " + timeout
                        + "; waiting: " + inbox);
            }
            pump(Duration.ofNanos(left));
        }
    }

    public <T extends ChannelMessage> T await(Class<T> type) {
        return await(type, m -> true);
    }

    /** The next host message of any kind, or null if none comes within {@code wait}. */
    public ChannelMessage next(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (inbox.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            pump(Duration.ofNanos(left));
        }
        return inbox.removeFirst();
    }

    /** Messages received and not yet taken. */
    public List<ChannelMessage> inbox() {
        return List.copyOf(inbox);
    }

    // ---------------------------------------------------------------- control protocol

    /**
     * Linux's negotiation: each of {@code versions} in turn until one is accepted. Returns it, or 0 if none was.
     * From 5.0 the host's msg_conn_id is used for later messages.
     */
    public int connect(int... versions) {
        for (int v : versions) {
            boolean v5 = Integer.compareUnsigned(v, VmbusVersion.WIN10_V5) >= 0;
            long monitor1 = pages.page();
            long monitor2 = pages.page();
            ChannelMessage.InitiateContact c = v5
                    ? ChannelMessage.InitiateContact.v5(v, vp().index(), VMBUS_SINT, monitor1, monitor2)
                    : new ChannelMessage.InitiateContact(v, vp().index(), pages.page(), monitor1, monitor2);
            int id = v5 ? VmbusVersion.MESSAGE_CONNECTION_ID_V5 : VmbusVersion.MESSAGE_CONNECTION_ID;
            HvGuest.check(postRaw(id, c.encode()), "INITIATE_CONTACT " + VmbusVersion.toString(v));
            ChannelMessage.VersionResponse r = await(ChannelMessage.VersionResponse.class);
            if (r.supported()) {
                messageConnectionId = v5 ? r.messageConnectionId() : VmbusVersion.MESSAGE_CONNECTION_ID;
                version = v;
                return v;
            }
        }
        return 0;
    }

    /** Linux 6.1's proposals, newest first. */
    public int connect() {
        return connect(VmbusVersion.LINUX_6_1_PROPOSALS);
    }

    /** REQUESTOFFERS; the offers up to ALLOFFERS_DELIVERED, in the order the host sent them. */
    public List<OfferChannel> requestOffers() {
        send(new ChannelMessage.RequestOffers());
        List<OfferChannel> offers = new ArrayList<>();
        while (true) {
            ChannelMessage m = await(ChannelMessage.class,
                    x -> x instanceof OfferChannel || x instanceof ChannelMessage.AllOffersDelivered);
            if (m instanceof ChannelMessage.AllOffersDelivered) {
                return offers;
            }
            offers.add((OfferChannel) m);
        }
    }

    public int newGpadlHandle() {
        return nextHandle++;
    }

    /** Sends a whole-page GPADL as Linux splits it (header of 26 page numbers, bodies of 28). */
    public void sendGpadl(int relid, int handle, long[] pfns) {
        int first = Math.min(pfns.length, ChannelMessage.HEADER_PFNS);
        send(ChannelMessage.GpadlHeader.of(relid, handle, pfns.length, pfns.length * Gpadl.PAGE_SIZE, 0,
                Arrays.copyOf(pfns, first)));
        for (int at = first; at < pfns.length; at += ChannelMessage.BODY_PFNS) {
            int n = Math.min(ChannelMessage.BODY_PFNS, pfns.length - at);
            send(new ChannelMessage.GpadlBody(0, handle, Arrays.copyOfRange(pfns, at, at + n)));
        }
    }

    /** A GPADL over {@code pfns} for channel {@code relid}; the host's GPADL_CREATED (status 0 = created). */
    public ChannelMessage.GpadlCreated createGpadl(int relid, int handle, long[] pfns) {
        sendGpadl(relid, handle, pfns);
        return await(ChannelMessage.GpadlCreated.class, c -> c.gpadl() == handle);
    }

    /** GPADL_TEARDOWN and its GPADL_TORNDOWN. */
    public void teardownGpadl(int relid, int handle) {
        send(new ChannelMessage.GpadlTeardown(relid, handle));
        await(ChannelMessage.GpadlTorndown.class, t -> t.gpadl() == handle);
    }

    /**
     * Opens a channel as Linux's vmbus_open does: {@code sendPages + recvPages} fresh pages (each ring's first
     * page is its header) in one GPADL, both rings initialised, OPENCHANNEL targeting this processor.
     *
     * @throws VmbusGuestException if the GPADL or the open is refused (the pages are given back)
     */
    public GuestChannel open(OfferChannel offer, int sendPages, int recvPages) {
        if (sendPages < 2 || recvPages < 2) {
            throw new IllegalArgumentException("each ring needs a header page and a data page");
        }
        long[] pfns = pages.allocate(sendPages + recvPages);
        int handle = newGpadlHandle();
        ChannelMessage.GpadlCreated created = createGpadl(offer.childRelid(), handle, pfns);
        if (created.status() != 0) {
            pages.free(pfns);
            throw new VmbusGuestException(String.format("GPADL for relid %d refused: status 0x%x",
                    offer.childRelid(), created.status()));
        }
        GuestChannel ch = openOver(offer, handle, pfns, sendPages);
        if (ch == null) {
            teardownGpadl(offer.childRelid(), handle);
            pages.free(pfns);
            throw new VmbusGuestException("OPENCHANNEL of relid " + offer.childRelid() + " refused");
        }
        return ch;
    }

    /** OPENCHANNEL over an existing ring GPADL; null if the host refused. */
    public GuestChannel openOver(OfferChannel offer, int handle, long[] pfns, int sendPages) {
        GpadlMemory all = Gpadl.ofPages(pfns).memory(hv.memory());
        long split = (long) sendPages * Gpadl.PAGE_SIZE;
        GpadlMemory out = all.slice(0, split);
        GpadlMemory in = all.slice(split, all.size() - split);
        RingBuffer.initialize(out);
        RingBuffer.initialize(in);
        send(new ChannelMessage.OpenChannel(offer.childRelid(), offer.childRelid(), handle, vp().index(), sendPages,
                new byte[0]));
        ChannelMessage.OpenChannelResult r = await(ChannelMessage.OpenChannelResult.class,
                x -> x.childRelid() == offer.childRelid());
        if (r.status() != 0) {
            return null;
        }
        takeSignal(offer.childRelid()); // a stale flag from an earlier open of this relid means nothing now
        return new GuestChannel(this, offer, handle, pfns, sendPages,
                RingBuffer.open(out, SignalPolicy.EMPTY_TO_NON_EMPTY), RingBuffer.open(in, SignalPolicy.EMPTY_TO_NON_EMPTY));
    }

    /** RELID_RELEASED: the guest is done with a rescinded channel. */
    public void releaseRelid(int relid) {
        send(new ChannelMessage.RelidReleased(relid));
    }

    /** UNLOAD and its UNLOAD_RESPONSE: the host closes every channel; contact must be made again. */
    public void unload() {
        send(new ChannelMessage.Unload());
        await(ChannelMessage.UnloadResponse.class);
        version = 0;
        messageConnectionId = VmbusVersion.MESSAGE_CONNECTION_ID;
    }

    /** HvSignalEvent on {@code connectionId} (a channel's), flag 0 as for a dedicated interrupt. */
    int signal(int connectionId) {
        return hv.signalEvent(connectionId, 0);
    }
}
