package dev.celadon.hypervisor.api;

/**
 * How large a partition a backend can make on this host. The core checks every configuration against these, in
 * one place, before anything is allocated.
 */
public record PartitionLimits(int maxVps, long maxMemoryBytes) {
    /** 8-bit xAPIC IDs and our MADT: the architectural limit whatever the backend. */
    public static final int ARCHITECTURAL_MAX_VPS = 255;

    public static final PartitionLimits NONE = new PartitionLimits(0, 0);

    public PartitionLimits {
        if (maxVps < 0 || maxMemoryBytes < 0) {
            throw new IllegalArgumentException("negative limit");
        }
    }

    /** The tighter of two limits. */
    public PartitionLimits min(PartitionLimits other) {
        return new PartitionLimits(Math.min(maxVps, other.maxVps), Math.min(maxMemoryBytes, other.maxMemoryBytes));
    }

    /** @throws HypervisorException naming the limit and the backend if {@code vps} or {@code memoryBytes} exceed it */
    public void check(String backend, int vps, long memoryBytes) {
        if (vps > maxVps) {
            throw new HypervisorException(vps + " vCPUs requested; backend " + backend + " allows at most " + maxVps);
        }
        if (memoryBytes > maxMemoryBytes) {
            throw new HypervisorException((memoryBytes >> 20) + " MiB of memory requested; backend " + backend
                    + " allows at most " + (maxMemoryBytes >> 20) + " MiB on this host");
        }
    }
}
