package dev.celadon.hypervisor.api;

/**
 * What a partition is made of. Limits a backend imposes are checked when the partition is created.
 *
 * @param backend the backend's name, or {@link #AUTO}: KVM where it is usable, the emulator otherwise
 * @param guest the guest pack ({@link dev.celadon.hypervisor.api.guest.GuestPack}) whose Hyper-V profile the
 *              partition gets; {@link #DEFAULT_GUEST} when null or blank. The partition is not created if no pack of
 *              that name is present.
 */
public record PartitionConfig(String name, int vpCount, long memoryBytes, String backend, String guest) {
    public static final String AUTO = "auto";
    /** The guest pack a partition gets when it names none. */
    public static final String DEFAULT_GUEST = "linux";

    public PartitionConfig {
        if (name == null || name.isBlank()) {
            throw new HypervisorException("a partition needs a name");
        }
        if (vpCount < 1) {
            throw new HypervisorException("a partition needs at least one virtual processor, got " + vpCount);
        }
        MemoryLayout.forRamSize(memoryBytes); // validates the size
        backend = backend == null || backend.isBlank() ? AUTO : backend;
        guest = guest == null || guest.isBlank() ? DEFAULT_GUEST : guest;
        if (!guest.matches("[a-z0-9][a-z0-9-]{0,31}")) {
            throw new HypervisorException("guest pack name '" + guest + "': lower case letters, digits and '-'");
        }
    }

    /** A partition with the {@link #DEFAULT_GUEST} pack. */
    public PartitionConfig(String name, int vpCount, long memoryBytes, String backend) {
        this(name, vpCount, memoryBytes, backend, DEFAULT_GUEST);
    }

    public PartitionConfig(String name, int vpCount, long memoryBytes) {
        this(name, vpCount, memoryBytes, AUTO);
    }

    /** This configuration with guest pack {@code guest}. */
    public PartitionConfig withGuest(String guest) {
        return new PartitionConfig(name, vpCount, memoryBytes, backend, guest);
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
