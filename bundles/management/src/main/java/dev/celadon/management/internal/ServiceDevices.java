package dev.celadon.management.internal;

import dev.celadon.vmbus.server.VmbusServer;
import dev.celadon.vmbus.server.provider.ProvidedDevice;
import dev.celadon.vmbus.server.provider.ServiceRequest;
import dev.celadon.vmbus.server.provider.VmbusServiceProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices one VM run gets from {@link VmbusServiceProvider}s, with no definition entry (the integration
 * services). A provider that cannot open or offer is logged and skipped: the VM runs without its devices. Closed
 * with the VMBus server ({@link #close}), after which nothing more is opened.
 */
final class ServiceDevices {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceDevices.class);

    private record Entry(VmbusServiceProvider provider, String key, ProvidedDevice device) {
    }

    private final String vm;
    private final ServiceRequest request;
    private final VmbusServer vmbus;
    private final List<Entry> entries = new ArrayList<>();
    private boolean closed;

    ServiceDevices(ServiceRequest request, VmbusServer vmbus) {
        this.vm = request.vm();
        this.request = request;
        this.vmbus = vmbus;
    }

    /** Opens {@code provider}'s devices for this run and offers them (a hot add once the guest has connected). */
    synchronized void open(VmbusServiceProvider provider) {
        if (closed || entries.stream().anyMatch(e -> e.provider == provider)) {
            return;
        }
        Map<String, ProvidedDevice> devices;
        try {
            devices = provider.open(request);
        } catch (IOException | RuntimeException e) {
            LOG.error("VM {}: the {} services could not be opened, the VM runs without them: {}", vm,
                    provider.name(), e.getMessage());
            return;
        }
        for (Map.Entry<String, ProvidedDevice> d : devices.entrySet()) {
            try {
                vmbus.offer(d.getValue().device());
                entries.add(new Entry(provider, provider.name() + "." + d.getKey(), d.getValue()));
            } catch (RuntimeException e) {
                LOG.error("VM {}: {}.{} not offered: {}", vm, provider.name(), d.getKey(), e.getMessage());
                d.getValue().close();
            }
        }
    }

    /** {@code provider} is leaving: its devices are rescinded (channels closed, workers joined) and closed. */
    synchronized void gone(VmbusServiceProvider provider) {
        entries.removeIf(e -> {
            if (e.provider != provider) {
                return false;
            }
            if (!closed) {
                vmbus.rescind(e.device.device());
            }
            e.device.close();
            LOG.info("VM {}: {} rescinded, its provider left", vm, e.key);
            return true;
        });
    }

    /** The VMBus server has closed (every worker joined): every device is closed. */
    synchronized void close() {
        closed = true;
        for (Entry e : entries) {
            e.device.close();
        }
        entries.clear();
    }

    /** One vm:info line per device, e.g. {@code ic.heartbeat}. */
    synchronized void facts(Map<String, String> m) {
        for (Entry e : entries) {
            String d;
            try {
                d = e.device.description();
            } catch (RuntimeException ex) {
                d = "(no description: " + ex + ")";
            }
            m.put(e.key, d);
        }
    }
}
