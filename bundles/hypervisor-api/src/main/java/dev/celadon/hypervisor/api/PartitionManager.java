package dev.celadon.hypervisor.api;

import java.util.Collection;
import java.util.Map;

/** The hypervisor core's service: creates partitions on the active backend and knows the ones alive. */
public interface PartitionManager {

    /**
     * Creates a partition (memory mapped, processors created, not running).
     *
     * @throws HypervisorException if no backend is available, the name is taken by a live partition, or the
     *         configuration exceeds the backend's limits
     */
    Partition create(PartitionConfig config);

    /** Partitions not yet stopped or failed. */
    Collection<Partition> partitions();

    /** The active backend's description (name, availability, nesting, limits); empty if there is none. */
    Map<String, String> backendInfo();
}
