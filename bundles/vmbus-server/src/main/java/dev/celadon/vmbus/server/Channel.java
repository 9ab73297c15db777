package dev.celadon.vmbus.server;

import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.ring.RingBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An open VMBus channel as a device sees it: the two rings over the guest's ring GPADL and the host's means of
 * signalling. Valid from {@link VmbusDevice#open} to {@link VmbusDevice#close}.
 */
@ProviderType
public interface Channel {

    /** The channel's child relid (also the guest's event flag for it). */
    int relid();

    /** The connection id the guest signals this channel on (HvSignalEvent). */
    int connectionId();

    /** The guest's VP this channel interrupts (OPEN_CHANNEL.target_vp, MODIFY_CHANNEL). */
    int targetVp();

    /** The 120 bytes of userdata the guest sent with OPEN_CHANNEL. */
    byte[] openUserData();

    /** Guest to host: the ring the worker reads. Devices read it only through {@link VmbusDevice#packet}. */
    RingBuffer inbound();

    /** Host to guest. Prefer {@link #send}, which signals as the rules say. */
    RingBuffer outbound();

    /** Sets the channel's event flag on its target VP (host to guest interrupt). */
    void signal();

    /**
     * Writes {@code packet} to the outbound ring and signals the guest if the ring rules say so. When the ring is
     * full, asks the guest for space (pending_send_sz) and waits up to {@code timeoutMillis} for it.
     *
     * @return false if the space did not come in time or the channel closed meanwhile
     * @throws dev.celadon.vmbus.ring.RingBufferException if the guest damaged the ring (the channel is then closed)
     * @throws IllegalArgumentException if the packet can never fit the ring
     */
    boolean send(VmPacket packet, long timeoutMillis);

    /** Whether the channel is still open (false once closed for any reason). */
    boolean isOpen();

    /** Closes the channel from the host side, as for a violation: the worker stops, the device is closed. */
    void fail(String reason);
}
