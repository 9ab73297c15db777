package dev.celadon.hypervisor.core.internal;

import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionManager;
import dev.celadon.hypervisor.api.backend.BackendCapabilities;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition manager: the one place partitions are made. It holds the backend statically, so when the
 * backend bundle goes away this component is deactivated and every partition on it is stopped first.
 */
@Component(service = PartitionManager.class)
public final class PartitionManagerImpl implements PartitionManager {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionManagerImpl.class);

    private final HypervisorBackend backend;
    private final Map<String, CorePartition> live = new ConcurrentHashMap<>();

    @Activate
    public PartitionManagerImpl(@Reference HypervisorBackend backend) {
        this.backend = backend;
    }

    @Override
    public Partition create(PartitionConfig config) {
        BackendCapabilities caps = backend.capabilities();
        if (!caps.available()) {
            throw new HypervisorException("backend " + caps.name() + " is not available: " + caps.unavailableReason());
        }
        if (config.vpCount() > caps.maxVps()) {
            throw new HypervisorException(config.vpCount() + " virtual processors requested; backend " + caps.name()
                    + " allows at most " + caps.maxVps());
        }
        if (config.memoryBytes() > caps.maxMemoryBytes()) {
            throw new HypervisorException((config.memoryBytes() >> 20) + " MiB of memory requested; backend "
                    + caps.name() + " allows at most " + (caps.maxMemoryBytes() >> 20) + " MiB");
        }
        CorePartition partition = new CorePartition(config, p -> live.remove(p.name(), p));
        if (live.putIfAbsent(config.name(), partition) != null) {
            throw new HypervisorException("a partition named " + config.name() + " is already running");
        }
        try {
            BackendPartition bp = backend.createPartition(config, partition);
            partition.attach(bp);
        } catch (RuntimeException e) {
            live.remove(config.name(), partition);
            throw e;
        }
        LOG.info("created partition {}: {} VPs, {} MiB", config.name(), config.vpCount(), config.memoryBytes() >> 20);
        return partition;
    }

    @Override
    public Collection<Partition> partitions() {
        return List.copyOf(live.values());
    }

    @Override
    public Map<String, String> backendInfo() {
        BackendCapabilities caps = backend.capabilities();
        Map<String, String> info = new LinkedHashMap<>();
        info.put("backend", caps.name());
        info.put("available", caps.available() ? "yes" : "no: " + caps.unavailableReason());
        info.put("virtualization", caps.hardwareAssisted() ? "hardware-assisted" : "software-nested");
        info.put("max-vps", Integer.toString(caps.maxVps()));
        info.put("max-memory-mib", Long.toString(caps.maxMemoryBytes() >> 20));
        info.putAll(caps.details());
        return info;
    }

    /** The backend is going away (or the core is): stop every partition so no thread or mapping outlives it. */
    @Deactivate
    public void deactivate() {
        for (CorePartition p : new ArrayList<>(live.values())) {
            LOG.info("stopping partition {}: hypervisor core is going away", p.name());
            p.stop();
        }
    }
}
