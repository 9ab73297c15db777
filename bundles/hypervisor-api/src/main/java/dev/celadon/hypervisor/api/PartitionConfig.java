package dev.celadon.hypervisor.api;

/**
 * What a partition is made of. Limits a backend imposes are checked when the partition is created.
 *
 * @param backend the backend's name, or {@link #AUTO}: KVM where it is usable, the emulator otherwise
 */
public record PartitionConfig(String name, int vpCount, long memoryBytes, String backend) {
    public static final String AUTO = "auto";

    public PartitionConfig {
        if (name == null || name.isBlank()) {
            throw new HypervisorException("a partition needs a name");
        }
        if (vpCount < 1) {
            throw new HypervisorException("a partition needs at least one virtual processor, got " + vpCount);
        }
        MemoryLayout.forRamSize(memoryBytes); // validates the size
        backend = backend == null || backend.isBlank() ? AUTO : backend;
    }

    public PartitionConfig(String name, int vpCount, long memoryBytes) {
        this(name, vpCount, memoryBytes, AUTO);
    }

    /** A configuration from a size in MiB, refusing sizes whose byte count does not fit in 63 bits. */
    public static PartitionConfig ofMib(String name, int vpCount, long memoryMib, String backend) {
        return new PartitionConfig(name, vpCount, mibToBytes(memoryMib), backend);
    }

    /** MiB to bytes without overflow: a clear error instead of a negative size. */
    public static long mibToBytes(long mib) {
        if (mib < 0 || mib > (Long.MAX_VALUE >> 20)) {
            throw new HypervisorException(mib + " MiB is not a memory size this platform can represent");
        }
        return mib << 20;
    }

    public MemoryLayout layout() {
        return MemoryLayout.forRamSize(memoryBytes);
    }
}
