package dev.celadon.vmbus.server;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.vmbus.server.internal.VmbusHost;
import org.osgi.annotation.versioning.ProviderType;

import java.util.List;

/**
 * The VMBus control protocol server of one partition. {@link #create} registers on the VMBus message connection
 * ids of {@code partition}; devices are offered and rescinded at any time, before or after the guest connects.
 * Thread-safe. {@link #close} closes every channel and drops the registrations.
 */
@ProviderType
public interface VmbusServer extends AutoCloseable {

    /** The SINT VMBus delivers its messages and channel events to (VMBUS_MESSAGE_SINT). */
    int VMBUS_MESSAGE_SINT = 2;

    /**
     * A server for {@code partition}, whose RAM is {@code memory} and which has {@code vpCount} processors.
     *
     * @throws dev.celadon.hypervisor.api.HypervisorException if the VMBus connection ids are taken
     */
    static VmbusServer create(HvPartition partition, GuestMemory memory, int vpCount) {
        return new VmbusHost(partition, memory, vpCount);
    }

    /**
     * Offers {@code device} (hot add if the guest has already asked for offers).
     *
     * @return the child relid chosen
     * @throws IllegalStateException if its instance GUID is already offered or every relid is taken
     */
    int offer(VmbusDevice device);

    /**
     * Rescinds {@code device}: closes its channel if open, sends RESCIND_CHANNELOFFER, and forgets it once the
     * guest answers RELID_RELEASED (at once if the guest had not been offered it).
     *
     * @return false if the device was not offered
     */
    boolean rescind(VmbusDevice device);

    /** The negotiated version ({@code major << 16 | minor}), or 0 while the guest is not connected. */
    int version();

    /** A snapshot of every channel, by relid. */
    List<ChannelInfo> channels();

    /** Refusals and channel closes for violations so far, newest last (at most {@value #MAX_EVENTS} kept). */
    List<String> violations();

    int MAX_EVENTS = 256;

    @Override
    void close();
}
