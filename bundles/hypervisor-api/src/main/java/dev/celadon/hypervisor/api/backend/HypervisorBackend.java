package dev.celadon.hypervisor.api.backend;

import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.PartitionConfig;

/**
 * A virtualization backend, registered as an OSGi service with the property {@link #NAME_PROPERTY}; the hypervisor
 * core binds every one present and runs partitions on the one each configuration names.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface HypervisorBackend {

    /** Service property: the backend's name, as users type it (--backend kvm). */
    String NAME_PROPERTY = "celadon.backend";
    /** Service property (Integer): lower is preferred by "auto". KVM 10, the emulator 50. */
    String PREFERENCE_PROPERTY = "celadon.backend.preference";

    /** What this backend is and can do here; an unavailable backend says why, never a guessed kind. */
    BackendInfo capabilities();

    /**
     * Creates a partition: memory mapped (lazily), processors created, nothing running yet. The core has already
     * checked the configuration against {@link #capabilities()}' limits.
     *
     * @throws dev.celadon.hypervisor.api.HypervisorException if the backend is unavailable or the host refuses
     */
    BackendPartition createPartition(PartitionConfig config, ExitHandler exits);
}
