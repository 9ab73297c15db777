package dev.celadon.vmbus.server;

import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.ring.RingFill;

/**
 * One channel as {@code vmbus:channels} shows it. {@code closeReason} is why the host last closed it for a
 * violation (null if never); the packet and signal counters count the current open (0 while not open): packets
 * through the rings and signals each way ({@code signalsOut} are the host's interrupts to the guest).
 * {@code inbound} (guest to host) and {@code outbound} are the rings' fill from their shared headers, validated,
 * while open (null otherwise); {@code violations} counts refusals and closes for violations on this channel
 * over the server's life.
 */
public record ChannelInfo(int relid, int connectionId, Guid interfaceType, Guid instance, State state,
                          int gpadls, long packetsIn, long packetsOut, long signalsIn, long signalsOut,
                          String closeReason, RingFill inbound, RingFill outbound, long violations) {

    /** The 1.0 record, without rings and violation count. */
    public ChannelInfo(int relid, int connectionId, Guid interfaceType, Guid instance, State state, int gpadls,
                       long packetsIn, long packetsOut, long signalsIn, long signalsOut, String closeReason) {
        this(relid, connectionId, interfaceType, instance, state, gpadls, packetsIn, packetsOut, signalsIn,
                signalsOut, closeReason, null, null, 0);
    }

    public enum State {
        /** Known to the host; the guest has not asked for offers yet. */
        PENDING,
        /** Offered to the guest, not open. */
        OFFERED,
        OPEN,
        /** Closed by the host for a violation; the guest may still CLOSE it (and then open it again). */
        FAILED,
        /** Rescinded; waiting for RELID_RELEASED. */
        RESCINDED
    }
}
