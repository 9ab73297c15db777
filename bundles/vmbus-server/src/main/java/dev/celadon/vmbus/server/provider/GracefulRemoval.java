package dev.celadon.vmbus.server.provider;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A {@link ProvidedDevice} that also implements this is asked, before its device is rescinded from a running VM
 * (hot remove, or its provider leaving), to let the guest let go of it while its channel still answers. A disk
 * needs it: Linux removes a disk by flushing its write cache, which can never complete on a rescinded channel.
 * Not called when the whole VM stops.
 */
@ConsumerType
public interface GracefulRemoval {

    /**
     * Tells the guest the device is going and waits until it has let go, at most {@code timeoutMillis}.
     *
     * @return whether the guest let go in time (the device is rescinded either way)
     */
    boolean prepareRemoval(long timeoutMillis);
}
