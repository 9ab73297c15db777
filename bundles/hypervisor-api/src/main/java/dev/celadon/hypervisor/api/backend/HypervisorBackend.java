package dev.celadon.hypervisor.api.backend;

import dev.celadon.hypervisor.api.PartitionConfig;

/** A virtualization backend, registered as an OSGi service; the hypervisor core runs partitions on it. */
public interface HypervisorBackend {

    BackendCapabilities capabilities();

    /**
     * Creates a partition: memory mapped (lazily), processors created, nothing running yet.
     *
     * @throws dev.celadon.hypervisor.api.HypervisorException if the backend is unavailable or the config is over
     *         its limits
     */
    BackendPartition createPartition(PartitionConfig config, ExitHandler exits);
}
