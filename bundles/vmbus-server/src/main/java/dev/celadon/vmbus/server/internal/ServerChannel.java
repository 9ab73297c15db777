package dev.celadon.vmbus.server.internal;

import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.vmbus.server.ChannelInfo;
import dev.celadon.vmbus.server.VmbusDevice;

/** The host's record of one offered channel; guarded by the server's lock. */
final class ServerChannel {
    final int relid;
    final int connectionId;
    final VmbusDevice device;
    Registration registration;
    ChannelInfo.State state;
    /** The current open, or null while not open. */
    ChannelSession session;
    /** Why the host last closed it for a violation. */
    String closeReason;

    ServerChannel(int relid, int connectionId, VmbusDevice device, ChannelInfo.State state) {
        this.relid = relid;
        this.connectionId = connectionId;
        this.device = device;
        this.state = state;
    }

    /** OPEN, unless the session was closed for a violation since (the worker does that without the lock). */
    ChannelInfo.State effectiveState() {
        if (state == ChannelInfo.State.OPEN && session != null && !session.isOpen()) {
            return ChannelInfo.State.FAILED;
        }
        return state;
    }
}
