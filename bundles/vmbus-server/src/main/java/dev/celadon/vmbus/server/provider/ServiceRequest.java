package dev.celadon.vmbus.server.provider;

import dev.celadon.hypervisor.api.GuestMemory;
import java.util.List;

/**
 * One run of a VM, as a {@link VmbusServiceProvider} sees it.
 *
 * @param vm             the VM's name
 * @param memory         its RAM
 * @param enlightenments the features of the Hyper-V enlightenments its partition has (e.g. {@code hv-timing}), which
 *                       decide what some services can offer: hv_utils' time sync reads TIME_REF_COUNT
 */
public record ServiceRequest(String vm, GuestMemory memory, List<String> enlightenments) {
    public ServiceRequest {
        if (vm == null || memory == null) {
            throw new IllegalArgumentException("a service request needs a VM and its memory");
        }
        enlightenments = enlightenments == null ? List.of() : List.copyOf(enlightenments);
    }
}
