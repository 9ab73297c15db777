package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** The {@link HyperV} service: VMBus and enlightenment bundles find a partition's Hyper-V layer here. */
@Component(service = HyperV.class)
public final class HyperVService implements HyperV {

    /** The registered enlightenments (DS replaces the list on every change), for listing only. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Enlightenment> registered = List.of();

    @Override
    public Optional<HvPartition> of(Partition partition) {
        return HvPartitionImpl.of(partition);
    }

    @Override
    public List<Enlightenment> enlightenments() {
        List<Enlightenment> l = new ArrayList<>(registered);
        l.sort(Comparator.comparing(Enlightenment::feature));
        return l;
    }
}
