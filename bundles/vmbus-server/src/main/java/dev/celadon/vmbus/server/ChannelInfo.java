package dev.celadon.vmbus.server;

import dev.celadon.vmbus.Guid;

/**
 * One channel as {@code vmbus:channels} shows it. {@code closeReason} is why the host last closed it for a
 * violation (null if never); the counters count packets through the rings and signals each way.
 */
public record ChannelInfo(int relid, int connectionId, Guid interfaceType, Guid instance, State state,
                          int gpadls, long packetsIn, long packetsOut, long signalsIn, long signalsOut,
                          String closeReason) {

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
