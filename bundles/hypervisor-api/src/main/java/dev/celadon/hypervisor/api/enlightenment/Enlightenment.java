package dev.celadon.hypervisor.api.enlightenment;

import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One TLFS feature set implemented on the host side, as a service. The core calls {@link #attach} for every
 * partition it creates, before the partition's devices are attached and long before its first instruction.
 */
@ConsumerType
public interface Enlightenment {

    /** The licence feature name, e.g. {@code hv-timing}; also what {@code hv:partition} lists. */
    String feature();

    /**
     * Features that must be attached to a partition before this one can be (the synthetic timers count in the
     * reference time the timing enlightenment provides). The core attaches in that order and leaves this one out of
     * partitions where a requirement is missing.
     */
    default Set<String> requires() {
        return Set.of();
    }

    /** The CPUID bits this enlightenment adds (and withdraws) on every partition it attaches to. */
    HvCpuidBits cpuid();

    /**
     * Installs the feature on one partition (MSR handlers, per-partition state, threads). Empty if it cannot serve
     * this partition (e.g. the backend does not know its TSC frequency): then its CPUID bits are not advertised
     * there. The instance is closed when the partition ends, after its processors stopped and before its memory
     * goes.
     */
    Optional<EnlightenmentInstance> attach(EnlightenedPartition partition);
}
