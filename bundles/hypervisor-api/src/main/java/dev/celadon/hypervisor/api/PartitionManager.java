package dev.celadon.hypervisor.api;

import java.util.Collection;
import java.util.List;

/**
 * The hypervisor core's service: creates partitions on the backends present (KVM, the emulator, ...) and knows
 * the ones alive. Each partition remembers its backend; a backend going away stops only its own partitions.
 */
@org.osgi.annotation.versioning.ProviderType
public interface PartitionManager {

    /**
     * Creates a partition (memory mapped, processors created, not running) on the backend its configuration
     * names, or on the one {@link #resolveBackend} picks for {@link PartitionConfig#AUTO}.
     *
     * @throws HypervisorException if that backend is missing or unavailable, the guest pack it names is not
     *         present, the name is taken by a live partition, or the configuration exceeds the backend's limits
     */
    Partition create(PartitionConfig config);

    /** Partitions not yet stopped or failed. */
    Collection<Partition> partitions();

    /** Every backend registered, available or not, in order of preference for "auto". */
    List<BackendInfo> backends();

    /**
     * The backend a request names ({@link PartitionConfig#AUTO}: the first available in {@link #backends()} that
     * runs guest code).
     *
     * @throws HypervisorException naming the backends present if none fits
     */
    BackendInfo resolveBackend(String requested);

    /**
     * Checks a partition's size against the backend's limits (and the host's memory): the one place this is
     * decided, used for new definitions, definitions loaded from disk and partitions being created.
     *
     * @throws HypervisorException saying which limit is exceeded
     */
    void checkLimits(String backend, int vpCount, long memoryBytes);

    /**
     * The names of the guest packs ({@link dev.celadon.hypervisor.api.guest.GuestPack} services) present now,
     * sorted: what {@link PartitionConfig#guest()} may name.
     */
    default List<String> guestPacks() {
        return List.of();
    }

    /**
     * Checks that guest pack {@code guest} is present.
     *
     * @throws HypervisorException naming the pack and the packs present if it is not
     */
    default void checkGuestPack(String guest) {
    }
}
