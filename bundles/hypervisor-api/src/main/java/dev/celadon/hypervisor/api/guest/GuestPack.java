package dev.celadon.hypervisor.api.guest;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One kind of guest operating system as the Hyper-V layer serves it. Registered as a service; the core binds every
 * pack present by {@link #name()} and asks the one a partition names for its {@link #profile()} once, when the
 * partition is created (a running partition keeps what it was created with).
 */
@ConsumerType
public interface GuestPack {

    /** The name partitions use to choose this pack ({@code linux}, {@code windows}): what {@link #profile()} carries. */
    default String name() {
        return profile().name();
    }

    /** What this kind of guest asks of the CPUID leaves; the core masks what it cannot implement. */
    GuestProfile profile();

    /** One line for operators (vm:create's completion, hv:partition). */
    default String description() {
        return name();
    }
}
