package dev.celadon.hypervisor.api.hyperv;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** A service of the hypervisor core: the Hyper-V interface of each live partition. */
@ProviderType
public interface HyperV {

    /** The partition's Hyper-V layer while it lives; empty once it has ended (or for foreign partitions). */
    Optional<HvPartition> of(Partition partition);

    /** The enlightenments registered now (licensed and active), by feature name; new partitions get these. */
    default List<Enlightenment> enlightenments() {
        return List.of();
    }
}
