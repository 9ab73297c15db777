package dev.celadon.vmbus.server;

import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.VmPacket;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A VSP's side of one channel, modelled on the channel's life: offered ({@link VmbusServer#offer}), opened by
 * the guest ({@link #open}), packets delivered ({@link #packet}) on the channel's worker thread, closed
 * ({@link #close}) when the guest closes it, the host rescinds it, the guest unloads, or the channel is closed
 * for a protocol violation. {@code open} and {@code close} alternate; a device may be opened again after a close.
 */
@ConsumerType
public interface VmbusDevice {

    /** The class of device (if_type in the offer), e.g. the storvsc GUID. */
    Guid interfaceType();

    /** This device (if_instance in the offer); unique within a partition. */
    Guid instance();

    /** Smallest ring (each direction, header page included) the device accepts; a smaller OPEN is refused. */
    default int minRingBytes() {
        return 2 * 4096;
    }

    /** Largest ring (each direction, header page included) the device accepts. */
    default int maxRingBytes() {
        return 4 << 20;
    }

    /** The 120 bytes of user_def in the offer (zero-padded); hv_sock and pipes use it. */
    default byte[] offerUserDefined() {
        return new byte[0];
    }

    /**
     * The guest opened the channel: the rings are mapped and the worker is about to start. The device keeps
     * {@code channel} to send on it until {@link #close}. Throwing refuses the open (OPEN_RESULT fails).
     */
    void open(Channel channel);

    /** A packet the guest wrote, on the channel's worker thread, in ring order. Throwing closes the channel. */
    void packet(Channel channel, VmPacket packet);

    /** The channel is closed; the rings must not be used any more. Called after the worker has stopped. */
    void close();
}
