package dev.celadon.vmbus.server.provider;

import dev.celadon.vmbus.server.VmbusDevice;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device a provider opened for one run of a VM: the VMBus device to offer, and what it holds (files, buffers).
 * {@link #close} is called once, after the device has been rescinded or the VM's VMBus server closed (so no
 * channel worker still uses it), and must not throw.
 */
@ConsumerType
public interface ProvidedDevice extends AutoCloseable {

    VmbusDevice device();

    /** One line for vm:info, e.g. {@code storvsp scsi0 LUN 0: /var/tmp/d.vhd (dynamic VHD, 10 GiB, read-only)}. */
    String description();

    @Override
    void close();
}
