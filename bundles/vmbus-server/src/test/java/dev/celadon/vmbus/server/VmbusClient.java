package dev.celadon.vmbus.server;

import dev.celadon.test.support.DirectGuestMemory;

import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.GpadlMemory;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmbusVersion;
import dev.celadon.vmbus.ring.ReadResult;
import dev.celadon.vmbus.ring.RingBuffer;
import dev.celadon.vmbus.ring.SignalPolicy;
import dev.celadon.vmbus.ring.WriteResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The guest side of VMBus in Java, as Linux 6.1 speaks it: contact (posting to id 4 from 5.0), offers, GPADLs
 * split into a header of 26 and bodies of 28 page numbers, rings initialised by the guest, open, close,
 * teardown, unload. Control messages go through {@link LoopbackPartition#hvPostMessage}; answers are read from
 * what the server posted to the SINT, decoded with the shared decoders.
 */
final class VmbusClient {
    static final long TIMEOUT_MS = 5000;

    final LoopbackPartition partition;
    final DirectGuestMemory memory;
    private long nextPfn;
    private final long lastPfn;
    int messageConnectionId = VmbusVersion.MESSAGE_CONNECTION_ID_V5;
    private int nextHandle = 0xE1E10;

    VmbusClient(LoopbackPartition partition, DirectGuestMemory memory, long firstPfn) {
        this.partition = partition;
        this.memory = memory;
        this.nextPfn = firstPfn;
        this.lastPfn = memory.regions().get(0).size() / Gpadl.PAGE_SIZE;
    }

    /** {@code n} fresh pages, in descending order, so no GPADL is physically contiguous. */
    long[] pages(int n) {
        if (nextPfn + n > lastPfn) {
            throw new IllegalStateException("loopback RAM exhausted");
        }
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = nextPfn + n - 1 - i;
        }
        nextPfn += n;
        return p;
    }

    int post(ChannelMessage m) {
        return partition.hvPostMessage(0, messageConnectionId, m.encode());
    }

    int postRaw(int connectionId, byte[] payload) {
        return partition.hvPostMessage(0, connectionId, payload);
    }

    /** The next message the host posted, decoded; fails after the timeout. */
    ChannelMessage next() throws InterruptedException {
        LoopbackPartition.Posted p = partition.posted.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (p == null) {
            throw new AssertionError("no message from the host within " + TIMEOUT_MS + " ms");
        }
        return ChannelMessage.decode(p.message().payload());
    }

    /** The next message, which must be of {@code type}. */
    <T extends ChannelMessage> T next(Class<T> type) throws InterruptedException {
        ChannelMessage m = next();
        if (!type.isInstance(m)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + m);
        }
        return type.cast(m);
    }

    /** Nothing more was posted (within a short wait). */
    boolean quiet() throws InterruptedException {
        return partition.posted.poll(50, TimeUnit.MILLISECONDS) == null;
    }

    /** Linux's negotiation: each version newest first until one is accepted; returns it, or 0. */
    int negotiate(int... versions) throws InterruptedException {
        for (int v : versions) {
            boolean v5 = Integer.compareUnsigned(v, VmbusVersion.WIN10_V5) >= 0;
            int id = v5 ? VmbusVersion.MESSAGE_CONNECTION_ID_V5 : VmbusVersion.MESSAGE_CONNECTION_ID;
            ChannelMessage.InitiateContact c = v5 ? ChannelMessage.InitiateContact.v5(v, 0, 2, 0x10000, 0x11000)
                    : new ChannelMessage.InitiateContact(v, 0, 0x12000, 0x10000, 0x11000);
            check(postRaw(id, c.encode()));
            ChannelMessage.VersionResponse r = next(ChannelMessage.VersionResponse.class);
            if (r.supported()) {
                messageConnectionId = v5 ? r.messageConnectionId() : VmbusVersion.MESSAGE_CONNECTION_ID;
                return v;
            }
        }
        return 0;
    }

    List<OfferChannel> requestOffers() throws InterruptedException {
        check(post(new ChannelMessage.RequestOffers()));
        List<OfferChannel> offers = new ArrayList<>();
        while (true) {
            ChannelMessage m = next();
            if (m instanceof ChannelMessage.AllOffersDelivered) {
                return offers;
            }
            offers.add((OfferChannel) m);
        }
    }

    int newHandle() {
        return nextHandle++;
    }

    /** Sends a whole-page GPADL as Linux splits it; returns the GPADL_CREATED answer. */
    ChannelMessage.GpadlCreated createGpadl(int relid, int handle, long[] pfns) throws InterruptedException {
        sendGpadl(relid, handle, pfns);
        return next(ChannelMessage.GpadlCreated.class);
    }

    void sendGpadl(int relid, int handle, long[] pfns) {
        int first = Math.min(pfns.length, ChannelMessage.HEADER_PFNS);
        check(post(ChannelMessage.GpadlHeader.of(relid, handle, pfns.length, pfns.length * Gpadl.PAGE_SIZE, 0,
                Arrays.copyOf(pfns, first))));
        for (int at = first; at < pfns.length; at += ChannelMessage.BODY_PFNS) {
            int n = Math.min(ChannelMessage.BODY_PFNS, pfns.length - at);
            check(post(new ChannelMessage.GpadlBody(0, handle, Arrays.copyOfRange(pfns, at, at + n))));
        }
    }

    /** A guest channel: GPADL of {@code sendPages + recvPages}, rings initialised, OPEN sent; null if refused. */
    GuestChannel open(OfferChannel offer, int sendPages, int recvPages) throws InterruptedException {
        long[] pfns = pages(sendPages + recvPages);
        int handle = newHandle();
        ChannelMessage.GpadlCreated created = createGpadl(offer.childRelid(), handle, pfns);
        if (created.status() != 0) {
            throw new AssertionError("GPADL refused");
        }
        return openOver(offer, handle, pfns, sendPages);
    }

    GuestChannel openOver(OfferChannel offer, int handle, long[] pfns, int sendPages) throws InterruptedException {
        GpadlMemory all = Gpadl.ofPages(pfns).memory(memory);
        long split = (long) sendPages * Gpadl.PAGE_SIZE;
        RingBuffer.initialize(all.slice(0, split));
        RingBuffer.initialize(all.slice(split, all.size() - split));
        check(post(new ChannelMessage.OpenChannel(offer.childRelid(), offer.childRelid(), handle, 0, sendPages,
                new byte[0])));
        ChannelMessage.OpenChannelResult r = next(ChannelMessage.OpenChannelResult.class);
        if (r.status() != 0) {
            return null;
        }
        return new GuestChannel(offer, handle, pfns, sendPages,
                RingBuffer.open(all.slice(0, split), SignalPolicy.EMPTY_TO_NON_EMPTY),
                RingBuffer.open(all.slice(split, all.size() - split), SignalPolicy.EMPTY_TO_NON_EMPTY));
    }

    final class GuestChannel {
        final OfferChannel offer;
        final int handle;
        final long[] pfns;
        final int sendPages;
        final RingBuffer out;
        final RingBuffer in;
        long signalsSent;

        GuestChannel(OfferChannel offer, int handle, long[] pfns, int sendPages, RingBuffer out, RingBuffer in) {
            this.offer = offer;
            this.handle = handle;
            this.pfns = pfns;
            this.sendPages = sendPages;
            this.out = out;
            this.in = in;
        }

        int relid() {
            return offer.childRelid();
        }

        /** Guest-physical address of the guest-to-host ring's header (its first page). */
        long outHeaderGpa() {
            return pfns[0] * Gpadl.PAGE_SIZE;
        }

        void signalHost() {
            signalsSent++;
            check(partition.hvSignalEvent(0, offer.connectionId(), 0));
        }

        void send(VmPacket p) {
            WriteResult w = out.write(p);
            if (!w.written()) {
                throw new AssertionError("guest ring full");
            }
            if (w.signalReader()) {
                signalHost();
            }
        }

        /** The next packet from the host, waiting for the channel's event flag; null after the timeout. */
        VmPacket receive(long millis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (true) {
                ReadResult r = in.read();
                if (r.signalWriter()) {
                    signalHost();
                }
                if (!r.isEmpty()) {
                    return r.packet();
                }
                // Linux's hv_end_read: a full fence after our read_index store, then look again. Without it the
                // host's write can miss our store (no signal: "not empty") while our load misses its write_index
                // (x86 lets a load pass an earlier store), and we would sleep until the timeout.
                if (in.unmaskInterrupts()) {
                    continue;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                // Short waits: a signal may have been consumed by an earlier wait while the packet was already in.
                partition.awaitEvent(0, relid(), Math.min(left, 50));
            }
        }

        void close() throws InterruptedException {
            check(post(new ChannelMessage.CloseChannel(relid())));
        }

        void teardown() throws InterruptedException {
            check(post(new ChannelMessage.GpadlTeardown(relid(), handle)));
            ChannelMessage.GpadlTorndown t = next(ChannelMessage.GpadlTorndown.class);
            if (t.gpadl() != handle) {
                throw new AssertionError("torndown " + t.gpadl());
            }
        }
    }

    static void check(int status) {
        if (status != HvStatus.SUCCESS) {
            throw new AssertionError("hypercall failed: " + HvStatus.name(status));
        }
    }
}
