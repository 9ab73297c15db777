package dev.celadon.ic.internal;

import dev.celadon.ic.ServiceStatus;
import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.server.VmbusDevice;
import dev.celadon.vmbus.server.provider.ProvidedDevice;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The integration services of one run of one VM: the three channels and the one thread ("ic-VM") that sends
 * their requests. Management closes each device when the run ends (after the VMBus server has stopped their
 * workers); the last close ends the thread and forgets this run.
 */
final class VmIntegration {
    private static final Logger LOG = LoggerFactory.getLogger("dev.celadon.ic");
    static final String THREAD_PREFIX = "ic-";

    final String vm;
    final ShutdownService shutdown;
    final HeartbeatService heartbeat;
    final TimeSyncService timesync;
    private final ScheduledExecutorService scheduler;
    private final Runnable forget;
    /** Why time sync is not offered, or null if it is. */
    final String noTimeSync;
    private int open;

    VmIntegration(String vm, long heartbeatMs, long timesyncMs, String noTimeSync, Runnable forget) {
        this.vm = vm;
        this.noTimeSync = noTimeSync;
        this.open = noTimeSync == null ? 3 : 2;
        this.forget = forget;
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, THREAD_PREFIX + vm);
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true); // cancelled periodic tasks of closed channels do not pile up
        this.scheduler = Executors.unconfigurableScheduledExecutorService(s);
        this.shutdown = new ShutdownService(vm, instance(vm, "shutdown"), scheduler);
        this.heartbeat = new HeartbeatService(vm, instance(vm, "heartbeat"), scheduler, heartbeatMs);
        this.timesync = new TimeSyncService(vm, instance(vm, "timesync"), scheduler, timesyncMs);
    }

    /** A stable instance GUID per VM and service (name-based, v3), as storvsp derives its controllers'. */
    static Guid instance(String vm, String service) {
        return new Guid(UUID.nameUUIDFromBytes(("celadon-ic:" + vm + ":" + service).getBytes(StandardCharsets.UTF_8)));
    }

    /** The devices to offer, by label, in offer order. */
    Map<String, ProvidedDevice> devices() {
        Map<String, ProvidedDevice> m = new LinkedHashMap<>();
        for (IcService s : List.of(shutdown, heartbeat, timesync)) {
            if (s != timesync || noTimeSync == null) {
                m.put(s.service, new Served(s));
            }
        }
        return m;
    }

    List<ServiceStatus> statuses() {
        return List.of(shutdown.status(), heartbeat.status(), noTimeSync == null ? timesync.status()
                : new ServiceStatus(timesync.service, ServiceStatus.State.UNAVAILABLE, null, null, noTimeSync));
    }

    private void deviceClosed() {
        synchronized (this) {
            if (--open != 0) {
                return;
            }
        }
        end();
    }

    /** Ends the IC thread; also when the component leaves with runs still open. */
    void end() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.warn("VM {}: the IC thread did not end within 2 s", vm);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        forget.run();
    }

    private final class Served implements ProvidedDevice {
        private final IcService service;
        private boolean closed;

        Served(IcService service) {
            this.service = service;
        }

        @Override
        public VmbusDevice device() {
            return service;
        }

        @Override
        public String description() {
            return service.describe();
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            deviceClosed();
        }
    }
}
