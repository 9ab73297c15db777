package dev.celadon.vmbus.client;

import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.ring.ReadResult;
import dev.celadon.vmbus.ring.RingBuffer;
import dev.celadon.vmbus.ring.WriteResult;
import java.time.Duration;

/**
 * One open channel on the guest side: the guest-to-host ring it writes and the host-to-guest ring it reads, both
 * over the channel's ring GPADL, with Linux's writer rule (signal only when the ring was empty and the host's
 * interrupt_mask is clear) and its space protocol (on a full ring, set pending_send_sz and wait for the host's
 * signal). Signals go out as HvSignalEvent on the offer's connection id and come in as event flag {@code relid}.
 */
public final class GuestChannel {
    private final VmbusGuest bus;
    private final OfferChannel offer;
    private final int handle;
    private final long[] pfns;
    private final int sendPages;
    private final RingBuffer out;
    private final RingBuffer in;
    private long signalsSent;
    private long packetsSent;
    private long packetsReceived;
    private long spaceWaits;
    private long spaceSignals;
    private boolean closed;

    GuestChannel(VmbusGuest bus, OfferChannel offer, int handle, long[] pfns, int sendPages, RingBuffer out,
                 RingBuffer in) {
        this.bus = bus;
        this.offer = offer;
        this.handle = handle;
        this.pfns = pfns.clone();
        this.sendPages = sendPages;
        this.out = out;
        this.in = in;
    }

    public int relid() {
        return offer.childRelid();
    }

    public int connectionId() {
        return offer.connectionId();
    }

    public OfferChannel offer() {
        return offer;
    }

    /** The ring GPADL's handle. */
    public int gpadl() {
        return handle;
    }

    /** The ring pages: {@code sendPages} of the guest-to-host ring, then the host-to-guest ring's. */
    public long[] pfns() {
        return pfns.clone();
    }

    public int sendPages() {
        return sendPages;
    }

    /** Guest-physical address of ring {@code outbound ? guest-to-host : host-to-guest}'s header page. */
    public long ringHeaderGpa(boolean outbound) {
        return pfns[outbound ? 0 : sendPages] * Gpadl.PAGE_SIZE;
    }

    public RingBuffer outbound() {
        return out;
    }

    public RingBuffer inbound() {
        return in;
    }

    public long signalsSent() {
        return signalsSent;
    }

    /** Times {@link #send} found the ring full and waited for the host's signal. */
    public long spaceWaits() {
        return spaceWaits;
    }

    /** Signals sent because the host had asked for space (pending_send_sz) and a read made it. */
    public long spaceSignals() {
        return spaceSignals;
    }

    public long packetsSent() {
        return packetsSent;
    }

    public long packetsReceived() {
        return packetsReceived;
    }

    private void signalHost() {
        signalsSent++;
        HvGuest.check(bus.signal(connectionId()), "HvSignalEvent on connection " + connectionId());
    }

    /**
     * Writes {@code p} to the guest-to-host ring, signalling by the ring's rule. On a full ring, asks the host for
     * space (pending_send_sz) and waits for its signal, up to {@code wait}. Returns false if no space came.
     */
    public boolean send(VmPacket p, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            WriteResult w = out.write(p);
            if (w.written()) {
                out.clearSpaceRequest();
                packetsSent++;
                if (w.signalReader()) {
                    signalHost();
                }
                return true;
            }
            if (out.requestSpace(p.encodedLength())) {
                continue; // the host read meanwhile
            }
            spaceWaits++;
            if (!bus.awaitSignal(relid(), deadline)) {
                out.clearSpaceRequest();
                return false;
            }
        }
    }

    public boolean send(VmPacket p) {
        return send(p, bus.timeout());
    }

    /** The next packet from the host, waiting for the channel's event flag up to {@code wait}; null if none. */
    public VmPacket receive(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            ReadResult r = in.read();
            if (r.signalWriter()) {
                spaceSignals++;
                signalHost(); // the host asked for space and now has it
            }
            if (!r.isEmpty()) {
                packetsReceived++;
                return r.packet();
            }
            if (!bus.awaitSignal(relid(), deadline)) {
                r = in.read(); // one last look: the signal may have been taken by a send's wait
                if (r.signalWriter()) {
                    spaceSignals++;
                    signalHost();
                }
                if (r.isEmpty()) {
                    return null;
                }
                packetsReceived++;
                return r.packet();
            }
        }
    }

    public VmPacket receive() {
        return receive(bus.timeout());
    }

    /** CLOSECHANNEL (the protocol has no answer to it). The ring GPADL stays until {@link #teardown}. */
    public void close() {
        if (!closed) {
            closed = true;
            HvGuest.check(bus.post(new ChannelMessage.CloseChannel(relid())), "CLOSECHANNEL");
        }
    }

    /** GPADL_TEARDOWN of the ring GPADL and its GPADL_TORNDOWN; the pages go back to the allocator. */
    public void teardown() {
        bus.teardownGpadl(relid(), handle);
        bus.pages().free(pfns);
    }

    @Override
    public String toString() {
        return "GuestChannel[relid " + relid() + ", connection " + connectionId() + ", gpadl 0x"
                + Integer.toHexString(handle) + "]";
    }
}
