package dev.celadon.loopback;

import dev.celadon.hypervisor.api.intercept.Registration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Which {@link LoopbackGuest} a loopback partition runs, by partition name: the loopback counterpart of the
 * kernel image a VM definition names. Provided by the loopback backend as a service. A partition looks its
 * program up when it starts; one without a program refuses to start.
 */
@ProviderType
public interface LoopbackPrograms {

    /**
     * Assigns {@code guest} to partitions named {@code partitionName} (every run of that name, until closed).
     *
     * @throws dev.celadon.hypervisor.api.HypervisorException if the name already has a program
     */
    Registration assign(String partitionName, LoopbackGuest guest);

    /** The program assigned to {@code partitionName}, or null. */
    LoopbackGuest program(String partitionName);
}
