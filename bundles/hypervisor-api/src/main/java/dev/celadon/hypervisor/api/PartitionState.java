package dev.celadon.hypervisor.api;

/** Where a partition is in its one-way life: created, then running, then stopped or failed. */
public enum PartitionState {
    /** Memory exists and can be loaded; no virtual processor has run. */
    CREATED,
    RUNNING,
    /** Powered off on request or by the guest; all resources are released. */
    STOPPED,
    /** Ended by an error (see {@link Partition#failureReason()}); all resources are released. */
    FAILED;

    public boolean isTerminal() {
        return this == STOPPED || this == FAILED;
    }
}
