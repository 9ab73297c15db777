package dev.celadon.hypervisor.api.intercept;

import java.util.List;

/**
 * Shapes what CPUID returns to the guest. Handlers are layered over the backend's CPU model in registration
 * order. A backend that cannot trap CPUID (KVM) evaluates every handler for every leaf when the partition
 * starts, so the guest sees the result from its first instruction; handlers must therefore be pure functions
 * of their arguments. Handlers registered after start apply to the next run.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface CpuidHandler {

    /** Leaves this handler adds beyond the CPU model (for example the Hyper-V leaves 0x40000000 and up). */
    default List<CpuidLeaf> addedLeaves() {
        return List.of();
    }

    /** What the guest sees for {@code leaf} on processor {@code vpIndex}, given what the layers below produced. */
    CpuidResult cpuid(int vpIndex, CpuidLeaf leaf, CpuidResult below);
}
