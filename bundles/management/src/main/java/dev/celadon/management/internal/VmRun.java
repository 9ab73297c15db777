package dev.celadon.management.internal;

import dev.celadon.device.serial.Uart16550;
import dev.celadon.guest.linux.acpi.AcpiConfig;
import dev.celadon.guest.linux.acpi.AcpiImage;
import dev.celadon.guest.linux.acpi.AcpiTables;
import dev.celadon.guest.linux.acpi.SerialPortDevice;
import dev.celadon.guest.linux.acpi.SleepControl;
import dev.celadon.guest.linux.acpi.VmbusAcpiDevice;
import dev.celadon.guest.linux.acpi.AcpiDevice;
import dev.celadon.hypervisor.api.BackendKind;
import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionDevice;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.hypervisor.api.PartitionListener;
import dev.celadon.hypervisor.api.PartitionManager;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.GuestLoader;
import dev.celadon.loader.LoadedImage;
import dev.celadon.management.VmChannel;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.server.ChannelInfo;
import dev.celadon.vmbus.server.VmbusServer;
import dev.celadon.vmbus.server.provider.DeviceRequest;
import dev.celadon.vmbus.server.provider.GracefulRemoval;
import dev.celadon.vmbus.server.provider.ProvidedDevice;
import dev.celadon.vmbus.server.provider.ServiceRequest;
import dev.celadon.vmbus.server.provider.VmbusDeviceProvider;
import dev.celadon.vmbus.server.provider.VmbusServiceProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a VM: a partition with its ACPI tables, its COM1 UART, its VMBus server and its loaded image. The PC
 * platform the guest sees is fixed here: COM1 at 0x3F8/IRQ 4, ACPI tables at 0xE0000 with the VMBus device
 * ({@code \_SB.VMBS}, _HID "VMBus") when the partition has a Hyper-V layer, IOAPIC and LAPICs in-kernel.
 *
 * <p>Its VMBus devices come from {@link VmbusDeviceProvider} services: one per disk of the definition, offered
 * before the guest asks for offers. A provider that leaves while the VM runs has its devices rescinded and closed
 * ({@link #providerGone}); one that arrives is asked for the entries nothing serves yet ({@link #providerCame}).
 * Devices with no entry (the integration services) come from {@link VmbusServiceProvider}s, every one for every
 * run ({@link ServiceDevices}); they too come and go with their providers.
 *
 * <p>Release order when the partition ends (the core closes devices in the reverse order of attachment, after the
 * processors and before memory): the VMBus server (its channels closed, their workers joined, its connection ids
 * dropped), then every provided device (files flushed and closed), before anything attached earlier.
 */
final class VmRun {

    static final long ACPI_BASE = 0xE0000L;
    static final long ACPI_SIZE = 0x20000L;

    /** The emulator's TSC (its VirtualClock): 1 GHz on every vCPU. */
    static final long EMULATOR_TSC_HZ = 1_000_000_000L;

    private final Partition partition;
    private final Uart16550 uart;
    private static final Logger LOG = LoggerFactory.getLogger(VmRun.class);

    private final VmbusServer vmbus;
    private final Map<String, String> facts = new LinkedHashMap<>();
    /** Entries of the definition served by a provider's device, or waiting for one (device null). Guarded by itself. */
    private final List<Served> served;
    /** Devices without a definition entry; null without a VMBus server. */
    private final ServiceDevices services;
    private boolean ended;

    /** One device entry of the definition and, while a provider serves it, that provider and its device. */
    private static final class Served {
        final DeviceRequest request;
        VmbusDeviceProvider provider;
        ProvidedDevice device;

        Served(DeviceRequest request) {
            this.request = request;
        }
    }

    private VmRun(Partition partition, Uart16550 uart, VmbusServer vmbus, List<Served> served,
                  ServiceDevices services) {
        this.partition = partition;
        this.uart = uart;
        this.vmbus = vmbus;
        this.served = served; // the list the server's close releases, so one lock guards both
        this.services = services;
    }

    /** The device entries of a definition: its disks, in order. */
    static List<DeviceRequest> requests(VmDefinition d) {
        List<DeviceRequest> out = new ArrayList<>();
        for (int i = 0; i < d.disks().size(); i++) {
            VmDefinition.Disk disk = d.disks().get(i);
            out.add(new DeviceRequest(d.name(), i, VmbusDeviceProvider.KIND_DISK, disk.path(), disk.readOnly()));
        }
        return out;
    }

    static VmbusDeviceProvider find(List<VmbusDeviceProvider> providers, String kind) {
        for (VmbusDeviceProvider p : providers) {
            if (kind.equals(p.kind())) {
                return p;
            }
        }
        return null;
    }

    /** Opens one entry with {@code provider} and offers its device; the caller holds the entry's list. */
    private static void open(Served s, VmbusDeviceProvider provider, Partition p, VmbusServer vmbus) {
        ProvidedDevice device;
        try {
            device = provider.open(s.request, p.memory());
        } catch (IOException | RuntimeException e) {
            throw new VmException(s.request.kind() + " " + s.request.index() + " (" + s.request.source()
                    + "): cannot be opened: " + e.getMessage(), e);
        }
        s.provider = provider;
        s.device = device;
        try {
            vmbus.offer(device.device());
        } catch (RuntimeException e) {
            s.provider = null;
            s.device = null;
            device.close();
            throw new VmException(s.request.kind() + " " + s.request.index() + ": not offered: " + e.getMessage(), e);
        }
    }

    /**
     * Hot add: {@code request} (the last entry of the VM's changed definition) is opened by its provider and
     * offered to the running guest now.
     *
     * @throws VmException if the run has ended, no provider serves its kind, or it cannot be opened or offered
     */
    void attach(DeviceRequest request, List<VmbusDeviceProvider> providers) {
        synchronized (served) {
            if (ended || vmbus == null) {
                throw new VmException("VM " + partition.name() + " is not running with a VMBus server");
            }
            VmbusDeviceProvider provider = find(providers, request.kind());
            if (provider == null) {
                throw new VmException("no VMBus device provider for " + request.kind() + "s is registered (install "
                        + "the celadon-storage feature)");
            }
            Served s = new Served(request);
            open(s, provider, partition, vmbus); // on failure nothing is left open
            served.add(s);
            LOG.info("VM {}: {} offered (hot add): {}", partition.name(), request.kind(), s.device.description());
        }
    }

    /** Hot remove: the entry naming {@code source} is rescinded (its channel closed, worker joined) and closed. */
    void detach(String kind, String source) {
        synchronized (served) {
            for (Served s : served) {
                if (s.request.kind().equals(kind) && s.request.source().equals(source)) {
                    if (s.device != null) {
                        if (!ended) {
                            letGo(s.device);
                            vmbus.rescind(s.device.device());
                        }
                        LOG.info("VM {}: {} rescinded (hot remove): {}", partition.name(), kind, s.device.description());
                        s.device.close();
                        s.device = null;
                        s.provider = null;
                    }
                    served.remove(s);
                    return;
                }
            }
        }
    }

    /** How long a guest gets to let go of a device before it is rescinded anyway. */
    static final long LET_GO_MILLIS = 15_000;

    /** Before a rescind: a device that needs the guest to let go first (a disk) is asked to arrange it. */
    private static void letGo(ProvidedDevice device) {
        if (device instanceof GracefulRemoval g) {
            g.prepareRemoval(LET_GO_MILLIS);
        }
    }

    /** A provider arrived: the entries of its kind that nothing serves get a device, hot-added to the guest. */
    void providerCame(VmbusDeviceProvider provider) {
        synchronized (served) {
            if (ended || vmbus == null) {
                return;
            }
            for (Served s : served) {
                if (s.device == null && s.request.kind().equals(provider.kind())) {
                    try {
                        open(s, provider, partition, vmbus);
                        LOG.info("VM {}: {} offered (hot add): {}", partition.name(), s.request.kind(),
                                s.device.description());
                    } catch (VmException e) {
                        LOG.error("VM {}: {}", partition.name(), e.getMessage());
                    }
                }
            }
        }
    }

    /** A provider is leaving: its devices are rescinded (channels closed, workers joined) and closed. */
    void providerGone(VmbusDeviceProvider provider) {
        synchronized (served) {
            for (Served s : served) {
                if (s.provider == provider && s.device != null) {
                    if (!ended) {
                        letGo(s.device);
                        vmbus.rescind(s.device.device());
                    }
                    LOG.info("VM {}: {} rescinded, its provider left: {}", partition.name(), s.request.kind(),
                            s.device.description());
                    s.device.close();
                    s.device = null;
                    s.provider = null;
                }
            }
        }
    }

    /** A service provider arrived: this run gets its devices (hot add). */
    void serviceCame(VmbusServiceProvider provider) {
        if (services != null) {
            services.open(provider);
        }
    }

    /** A service provider is leaving: its devices are rescinded and closed. */
    void serviceGone(VmbusServiceProvider provider) {
        if (services != null) {
            services.gone(provider);
        }
    }

    /** Builds and starts the partition; on any error, everything made so far is released. */
    static VmRun launch(PartitionManager partitions, HyperV hyperV, GuestLoader loader, VmDefinition d,
                        BootImage image, List<VmbusDeviceProvider> providers, ConsoleBuffer console,
                        PartitionListener listener) {
        return launch(partitions, hyperV, loader, d, image, providers, List.of(), console, listener);
    }

    /** As above, and every VM gets the devices of {@code serviceProviders} (the integration services). */
    static VmRun launch(PartitionManager partitions, HyperV hyperV, GuestLoader loader, VmDefinition d,
                        BootImage image, List<VmbusDeviceProvider> providers,
                        List<VmbusServiceProvider> serviceProviders, ConsoleBuffer console,
                        PartitionListener listener) {
        List<DeviceRequest> requests = requests(d);
        for (DeviceRequest r : requests) {
            if (find(providers, r.kind()) == null) {
                throw new VmException("VM " + d.name() + " has " + d.disks().size() + " disk(s), but no VMBus device "
                        + "provider for " + r.kind() + "s is registered (install the celadon-storage feature)");
            }
        }
        Partition p = partitions.create(PartitionConfig.ofMib(d.name(), d.cpus(), d.memoryMib(), d.backendOrAuto())
                .withGuest(d.guestOrDefault()));
        Uart16550 uart = null;
        try {
            List<AcpiDevice> devices = new ArrayList<>();
            devices.add(new SerialPortDevice("COM1", Uart16550.COM1_BASE, Uart16550.COM1_IRQ));
            List<Served> served = new ArrayList<>();
            requests.forEach(r -> served.add(new Served(r)));
            ServiceDevices[] services = new ServiceDevices[1];
            VmbusServer vmbus = attachVmbus(p, hyperV, served, services);
            if (vmbus != null) {
                devices.add(VmbusAcpiDevice.standard());
            } else if (!requests.isEmpty()) {
                throw new VmException("VM " + d.name() + " has disks, but its partition has no Hyper-V layer for VMBus");
            }
            for (Served s : served) {
                open(s, find(providers, s.request.kind()), p, vmbus); // closed with the server if the start fails
            }
            if (image.javaProgram()) {
                return launchJava(p, vmbus, served, listener); // a Java guest speaks no integration services
            }
            if (services[0] != null) {
                serviceProviders.forEach(services[0]::open); // offered before the guest asks for offers
            }
            // The MADT describes the interrupt hardware this backend really built.
            AcpiImage acpi = AcpiTables.build(new AcpiConfig(p.interrupts().topology(), devices), ACPI_BASE);
            p.memory().write(acpi.baseAddress(), acpi.bytes());
            uart = Uart16550.attach(p, Uart16550.COM1_BASE, p.interrupts().line(Uart16550.COM1_IRQ), console);
            SleepControl.attach(p); // the guest's ACPI poweroff; registrations end with the partition
            String cmdline = image.cmdlineFor(p.backend(), EMULATOR_TSC_HZ);
            LoadedImage loaded = loader.load(p.memory(), new BootRequest(image.kernel(), image.initrd(),
                    cmdline, acpi.rsdpAddress(), new MemoryRegion(ACPI_BASE, ACPI_SIZE)));
            VmRun run = new VmRun(p, uart, vmbus, served, services[0]);
            run.facts.put("boot", image.source() + " (" + loaded.format() + ")");
            run.facts.put("vmbus", vmbus != null ? "server on SINT " + VmbusServer.VMBUS_MESSAGE_SINT
                    + ", ACPI \\_SB." + VmbusAcpiDevice.NAME : "none: the partition has no Hyper-V layer");
            run.facts.put("loader", loaded.summary());
            if (!cmdline.isEmpty()) {
                run.facts.put("cmdline", cmdline);
            }
            run.facts.putAll(p.backend().asMap());
            console.connect(uart);
            p.addListener(listener);
            p.start(loaded.bootState());
            return run;
        } catch (RuntimeException e) {
            console.connect(null);
            if (uart != null) {
                uart.close();
            }
            p.stop();
            throw e;
        }
    }

    /**
     * {@code --image java}: a loopback partition, whose guest is the Java program assigned to its name. It has no
     * interrupt lines (so no COM1 and no console), no firmware tables and nothing to load; the program finds
     * VMBus through the Hyper-V CPUID leaves, as the SynIC and the VMBus server are the same as for Linux.
     */
    private static VmRun launchJava(Partition p, VmbusServer vmbus, List<Served> served, PartitionListener listener) {
        if (p.backend().kind() != BackendKind.LOOPBACK) {
            throw new VmException("--image java runs on the loopback backend only, not on " + p.backend().name());
        }
        if (vmbus == null) {
            throw new VmException("VM " + p.name() + ": the loopback partition has no Hyper-V layer for VMBus");
        }
        VmRun run = new VmRun(p, null, vmbus, served, null);
        run.facts.put("boot", "the Java program assigned to " + p.name() + " (loopback; nothing loaded)");
        run.facts.put("vmbus", "server on SINT " + VmbusServer.VMBUS_MESSAGE_SINT + ", no ACPI (a Java guest)");
        run.facts.put("console", "none: a loopback partition has no interrupt lines for COM1");
        run.facts.putAll(p.backend().asMap());
        p.addListener(listener);
        // The boot state is ignored by the loopback backend: there is no instruction stream to enter.
        p.start(new BootState(BootState.Mode.PROTECTED_32, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        return run;
    }

    /**
     * A VMBus server on the partition's Hyper-V layer, attached so that it is closed with the partition (after the
     * processors, before memory); null when the partition has none (a backend outside the core, a test double).
     */
    private static VmbusServer attachVmbus(Partition p, HyperV hyperV, List<Served> served,
                                           ServiceDevices[] services) {
        HvPartition hv = hyperV == null ? null : hyperV.of(p).orElse(null);
        if (hv == null) {
            return null;
        }
        VmbusServer server = VmbusServer.create(hv, p.memory(), p.config().vpCount());
        ServiceDevices serviceDevices = new ServiceDevices(new ServiceRequest(p.name(), p.memory(),
                hv.enlightenments()), server);
        services[0] = serviceDevices;
        p.addDevice(new PartitionDevice() {
            @Override
            public String name() {
                return "vmbus-server";
            }

            @Override
            public void close() {
                server.close(); // every channel closed, its worker joined: no device is in use after this
                serviceDevices.close();
                synchronized (served) {
                    for (Served s : served) {
                        if (s.device != null) {
                            s.device.close();
                            s.device = null;
                            s.provider = null;
                        }
                    }
                }
            }
        });
        return server;
    }

    Partition partition() {
        return partition;
    }

    /** The VMBus server of this run, or null. */
    VmbusServer vmbus() {
        return vmbus;
    }

    /** What was decided at start, and the backend's live figures (instructions retired, ...). */
    Map<String, String> facts() {
        Map<String, String> m = new LinkedHashMap<>(facts);
        try {
            m.putAll(partition.backendInfo());
        } catch (RuntimeException e) {
            // the partition ended while we looked; its start-time facts are still right
        }
        if (vmbus != null) {
            int v = vmbus.version();
            m.put("vmbus-version", v == 0 ? "not connected" : (v >>> 16) + "." + (v & 0xFFFF));
            m.put("vmbus-channels", Integer.toString(vmbus.channels().size()));
            m.put("vmbus-violations", Integer.toString(vmbus.violations().size()));
        }
        if (services != null) {
            services.facts(m);
        }
        synchronized (served) {
            int i = 0;
            for (Served s : served) {
                m.put(s.request.kind() + "." + i++, s.device != null ? s.device.description()
                        : "not served: no " + s.request.kind() + " provider");
            }
        }
        return m;
    }

    /** Detaches the console device once the partition has ended. */
    void release(ConsoleBuffer console) {
        synchronized (served) {
            ended = true;
        }
        console.connect(null);
        if (uart != null) {
            uart.close();
        }
    }

    /** Every channel of the VMBus server with the description of the device serving it (null if none of ours). */
    List<VmChannel> channels() {
        if (vmbus == null) {
            throw new VmException("VM " + partition.name() + " runs without a VMBus server (its partition has no "
                    + "Hyper-V layer)");
        }
        Map<Guid, String> descriptions = new HashMap<>();
        synchronized (served) {
            for (Served s : served) {
                if (s.device != null) {
                    descriptions.put(s.device.device().instance(), s.device.description());
                }
            }
        }
        List<VmChannel> out = new ArrayList<>();
        for (ChannelInfo c : vmbus.channels()) {
            out.add(new VmChannel(c, descriptions.get(c.instance())));
        }
        return out;
    }
}
