package dev.celadon.storvsc;

import dev.celadon.vmbus.VmPacket;
import org.osgi.annotation.versioning.ConsumerType;

/** The guest's end of an open VMBus channel, as the VSC needs it. */
@ConsumerType
public interface VscChannel {

    /**
     * Writes {@code packet} to the guest-to-host ring, signalling the host as the ring rules say.
     *
     * @throws IllegalStateException if the ring has no room
     */
    void send(VmPacket packet);

    /** The next packet from the host, or null if none came within {@code timeoutMillis}. */
    VmPacket receive(long timeoutMillis) throws InterruptedException;
}
