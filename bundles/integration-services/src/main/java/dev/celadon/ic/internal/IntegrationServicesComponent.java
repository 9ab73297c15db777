package dev.celadon.ic.internal;

import dev.celadon.ic.HeartbeatStatus;
import dev.celadon.ic.IcException;
import dev.celadon.ic.IntegrationServices;
import dev.celadon.ic.ServiceStatus;
import dev.celadon.vmbus.server.provider.ProvidedDevice;
import dev.celadon.vmbus.server.provider.ServiceRequest;
import dev.celadon.vmbus.server.provider.VmbusServiceProvider;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The integration services for every VM: as a {@link VmbusServiceProvider} it gives each VM run a shutdown,
 * a heartbeat and a time synchronisation channel; as {@link IntegrationServices} it finds a running VM's services
 * by name for vm:shutdown and vm:info.
 */
@Component(service = {VmbusServiceProvider.class, IntegrationServices.class})
public final class IntegrationServicesComponent implements VmbusServiceProvider, IntegrationServices {
    private static final Logger LOG = LoggerFactory.getLogger("dev.celadon.ic");
    /** Hyper-V's periods: a heartbeat about every second (Linux's comment says two), a time sample every five. */
    public static final long HEARTBEAT_MS = 1000;
    public static final long TIMESYNC_MS = 5000;

    private final long heartbeatMs;
    private final long timesyncMs;
    private final Map<String, VmIntegration> runs = new ConcurrentHashMap<>();

    public IntegrationServicesComponent() {
        this(HEARTBEAT_MS, TIMESYNC_MS);
    }

    /** For tests: other periods. */
    public IntegrationServicesComponent(long heartbeatMs, long timesyncMs) {
        if (heartbeatMs < 10 || timesyncMs < 10) {
            throw new IllegalArgumentException("IC periods below 10 ms");
        }
        this.heartbeatMs = heartbeatMs;
        this.timesyncMs = timesyncMs;
    }

    @Override
    public String name() {
        return "ic";
    }

    /** The enlightenment that gives a partition TIME_REF_COUNT (0x40000020). */
    public static final String TIMING_FEATURE = "hv-timing";

    /**
     * Time sync only where the partition has TIME_REF_COUNT: hv_utils reads that MSR on every sample it gets
     * (adj_guesttime), and without it each read faults, which Linux reports as an "unchecked MSR access error" with
     * a call trace. Real Hyper-V always has the MSR; here it is the licence-gated hv-timing enlightenment.
     */
    @Override
    public Map<String, ProvidedDevice> open(ServiceRequest request) {
        String vm = request.vm();
        String noTimeSync = request.enlightenments().contains(TIMING_FEATURE) ? null
                : "the partition has no TIME_REF_COUNT (the " + TIMING_FEATURE + " enlightenment), which hv_utils'"
                        + " time sync reads on every sample";
        if (noTimeSync != null) {
            LOG.info("VM {}: time sync IC not offered: {}", vm, noTimeSync);
        }
        VmIntegration[] self = new VmIntegration[1];
        VmIntegration run = new VmIntegration(vm, heartbeatMs, timesyncMs, noTimeSync,
                () -> runs.remove(vm, self[0]));
        self[0] = run;
        VmIntegration before = runs.put(vm, run);
        if (before != null) {
            LOG.warn("VM {}: integration services opened again before the previous run closed", vm);
        }
        return run.devices();
    }

    private VmIntegration run(String vm) {
        VmIntegration r = vm == null ? null : runs.get(vm);
        if (r == null) {
            throw new IcException("VM " + vm + " has no integration services: it is not running, or it was started"
                    + " before they were installed");
        }
        return r;
    }

    @Override
    public void requestShutdown(String vm, long ackMillis) {
        run(vm).shutdown.powerOff(ackMillis);
    }

    @Override
    public Optional<HeartbeatStatus> heartbeat(String vm) {
        VmIntegration r = vm == null ? null : runs.get(vm);
        return r == null ? Optional.empty() : Optional.of(r.heartbeat.heartbeat());
    }

    @Override
    public List<ServiceStatus> services(String vm) {
        VmIntegration r = vm == null ? null : runs.get(vm);
        return r == null ? List.of() : r.statuses();
    }

    /** Whether VM {@code vm}'s guest has answered the time sync sample of this run (for tests). */
    public boolean timeSynced(String vm) {
        VmIntegration r = runs.get(vm);
        return r != null && r.timesync.synced();
    }

    /** What VM {@code vm}'s services ignored, newest last (for tests). */
    public List<String> ignored(String vm) {
        VmIntegration r = runs.get(vm);
        if (r == null) {
            return List.of();
        }
        List<String> all = new java.util.ArrayList<>(r.shutdown.events());
        all.addAll(r.heartbeat.events());
        all.addAll(r.timesync.events());
        return all;
    }

    /**
     * Management has closed the devices of every run before this (its reference to the provider is dynamic, so
     * the provider's devices are rescinded first); any run left (no management) only has its thread ended here.
     */
    @Deactivate
    public void deactivate() {
        for (VmIntegration r : List.copyOf(runs.values())) {
            r.end();
        }
    }
}
