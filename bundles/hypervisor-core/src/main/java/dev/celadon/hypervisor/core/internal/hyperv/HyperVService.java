package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;

/** The {@link HyperV} service: VMBus and enlightenment bundles find a partition's Hyper-V layer here. */
@Component(service = HyperV.class)
public final class HyperVService implements HyperV {

    @Override
    public Optional<HvPartition> of(Partition partition) {
        return HvPartitionImpl.of(partition);
    }
}
