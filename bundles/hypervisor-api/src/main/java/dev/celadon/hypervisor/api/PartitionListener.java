package dev.celadon.hypervisor.api;

/** Told of a partition's state changes, on the thread that made the change. */
@FunctionalInterface
@org.osgi.annotation.versioning.ConsumerType
public interface PartitionListener {
    void stateChanged(Partition partition, PartitionState newState);
}
