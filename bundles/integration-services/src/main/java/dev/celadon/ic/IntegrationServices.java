package dev.celadon.ic;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The integration services of running VMs, by VM name. Every VM with a VMBus server gets them while this service
 * is present (shutdown, heartbeat and time synchronisation channels are offered to its guest without any entry in
 * its definition).
 */
@ProviderType
public interface IntegrationServices {

    /**
     * Asks the guest of VM {@code vm} to power off cleanly through the shutdown IC, and waits up to
     * {@code ackMillis} for the guest to acknowledge the request (it powers off afterwards, in its own time).
     *
     * @throws IcException if the VM has no integration services (not running), its guest has not opened the
     *                     shutdown channel or negotiated on it, refused the request, or did not acknowledge it in time
     */
    void requestShutdown(String vm, long ackMillis);

    /** The heartbeat of VM {@code vm}'s current run; empty if it has none (not running). */
    Optional<HeartbeatStatus> heartbeat(String vm);

    /** Every service of VM {@code vm}'s current run (shutdown, heartbeat, timesync); empty if not running. */
    List<ServiceStatus> services(String vm);
}
