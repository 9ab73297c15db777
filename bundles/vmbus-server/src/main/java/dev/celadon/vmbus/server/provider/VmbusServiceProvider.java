package dev.celadon.vmbus.server.provider;

import org.osgi.annotation.versioning.ConsumerType;

import java.io.IOException;
import java.util.Map;

/**
 * A service a bundle registers to give every VM devices that no definition entry names, as Hyper-V gives every VM
 * its integration services (shutdown, heartbeat, time synchronisation). Management collects these (dynamic,
 * multiple) and opens each for every run of every VM that has a VMBus server, offering the devices before the guest
 * asks for offers; one that arrives while VMs run is opened for them at once (hot add), one that leaves has its
 * devices rescinded and closed. A provider that fails to open is logged and the VM runs without its devices: these
 * services are conveniences, not what a guest needs to boot.
 */
@ConsumerType
public interface VmbusServiceProvider {

    /** A short name, the prefix of its devices' lines in vm:info ({@code ic} gives {@code ic.heartbeat}). */
    String name();

    /**
     * Opens this provider's devices for one run of a VM. The caller offers each {@link ProvidedDevice#device()} in
     * the map's order and closes each when the run ends.
     *
     * @return the devices by a short label (letters, digits, '-'), unique within this provider
     * @throws IOException if the devices cannot be made now
     */
    Map<String, ProvidedDevice> open(ServiceRequest request) throws IOException;
}
