package dev.celadon.vmbus.server.provider;

import dev.celadon.hypervisor.api.GuestMemory;
import org.osgi.annotation.versioning.ConsumerType;

import java.io.IOException;

/**
 * A service a device bundle registers to make VMBus devices for VM definition entries of one {@link #kind}.
 * Management collects these (dynamic, multiple): a VM whose definition has entries of a kind no provider serves
 * does not start and says which kind is missing; a provider leaving has its devices rescinded from running VMs.
 */
@ConsumerType
public interface VmbusDeviceProvider {

    /** Disk images ({@code vm:create --disk}, {@code vm:attach-disk}). */
    String KIND_DISK = "disk";

    /** The kind of entry served. */
    String kind();

    /**
     * Checks an entry when it enters a definition, without keeping anything open: e.g. that a disk image opens
     * as a disk ("not a VHD or raw image", "the parent ... is missing").
     *
     * @throws IllegalArgumentException with a message for the operator if the entry cannot be served
     */
    void check(DeviceRequest request);

    /**
     * Opens the entry for one run of a VM whose RAM is {@code memory}. The caller offers
     * {@link ProvidedDevice#device()} and closes the result when the run ends.
     *
     * @throws IOException if what the entry names cannot be opened now (gone, locked by another VM, ...)
     */
    ProvidedDevice open(DeviceRequest request, GuestMemory memory) throws IOException;
}
