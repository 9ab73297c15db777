package dev.celadon.hypervisor.api.hyperv;

import dev.celadon.hypervisor.api.Partition;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** A service of the hypervisor core: the Hyper-V interface of each live partition. */
@ProviderType
public interface HyperV {

    /** The partition's Hyper-V layer while it lives; empty once it has ended (or for foreign partitions). */
    Optional<HvPartition> of(Partition partition);
}
