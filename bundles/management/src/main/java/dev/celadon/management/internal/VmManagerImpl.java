package dev.celadon.management.internal;

import dev.celadon.guest.linux.kit.GuestKit;
import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.BackendKind;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionManager;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.loader.GuestLoader;
import dev.celadon.management.VmConsole;
import dev.celadon.management.VmChannel;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import dev.celadon.management.VmInfo;
import dev.celadon.management.VmManager;
import dev.celadon.management.VmState;
import dev.celadon.vmbus.server.provider.DeviceRequest;
import dev.celadon.vmbus.server.provider.VmbusDeviceProvider;
import dev.celadon.vmbus.server.provider.VmbusServiceProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management service. Definitions live in {@code ${karaf.data}/celadon/vms}; each VM's state and
 * console live here while Celadon runs. When this component goes away (its bundle, the core or the
 * backend leaving), every running VM is powered off so nothing outlives it.
 */
@Component(service = VmManager.class)
public final class VmManagerImpl implements VmManager {

    /** System property: create (if absent) and start a VM named demo at start-up. README's run command sets it. */
    public static final String DEMO_PROPERTY = "celadon.demo";
    private static final Logger LOG = LoggerFactory.getLogger(VmManagerImpl.class);

    /** One VM: definition, console and current run. Guarded by its own monitor. */
    private static final class Vm {
        VmDefinition definition;
        final ConsoleBuffer console;
        VmState state = VmState.DEFINED;
        String failureReason;
        Instant since;
        VmRun run;
        /** A stop or forced delete arrived while STARTING: the start ends the partition it made and says so. */
        boolean cancelRequested;
        boolean deleted;

        Vm(VmDefinition definition) {
            this.definition = definition;
            this.console = new ConsoleBuffer(definition.name());
        }
    }

    private final PartitionManager partitions;
    private final HyperV hyperV;
    private final GuestLoader loader;
    private final DefinitionStore store;
    private final Supplier<GuestKit> guestKit;
    private final Map<String, Vm> vms = new ConcurrentSkipListMap<>();
    private final Map<String, String> loadProblems;
    /** VMBus device providers (storvsp for disks, ...), as DS binds them. */
    private final List<VmbusDeviceProvider> providers = new CopyOnWriteArrayList<>();
    /** Providers of the devices every VM gets without a definition entry (the integration services). */
    private final List<VmbusServiceProvider> serviceProviders = new CopyOnWriteArrayList<>();

    @Activate
    public VmManagerImpl(@Reference PartitionManager partitions, @Reference HyperV hyperV,
                         @Reference GuestLoader loader) {
        this(partitions, hyperV, loader, defaultDirectory(), GuestKit::new);
        if (Boolean.getBoolean(DEMO_PROPERTY)) {
            Thread t = new Thread(this::startDemo, "celadon-demo-autostart");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * For embedding and tests: definitions in {@code directory}. {@code hyperV} finds each partition's Hyper-V
     * layer for its VMBus server; null runs VMs without VMBus.
     */
    public VmManagerImpl(PartitionManager partitions, HyperV hyperV, GuestLoader loader, Path directory,
                         Supplier<GuestKit> guestKit) {
        this.partitions = partitions;
        this.hyperV = hyperV;
        this.loader = loader;
        this.store = new DefinitionStore(directory);
        this.guestKit = guestKit;
        DefinitionStore.Loaded loaded = store.loadAll();
        loaded.definitions().values().forEach(d -> vms.put(d.name(), new Vm(d)));
        this.loadProblems = Map.copyOf(loaded.problems());
        loaded.problems().forEach((file, why) -> LOG.error("VM definition {} in {} skipped: {}", file, directory, why));
        LOG.info("{} VM definitions loaded from {}", vms.size(), directory);
    }

    private static Path defaultDirectory() {
        String data = System.getProperty("karaf.data");
        Path base = data != null ? Path.of(data) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("celadon").resolve("vms");
    }

    /**
     * The Linux pack is a service of the guest-linux bundle, which Karaf may start just after this one: the demo
     * waits for it a little (up to 30 s) rather than fail on start-up order; creating the VM says so if it never comes.
     */
    private void awaitGuestPack(String guest) {
        long end = System.nanoTime() + 30_000_000_000L;
        while (!partitions.guestPacks().contains(guest) && System.nanoTime() < end) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The README's run command: a VM named demo, Linux where KVM is hardware-assisted, the micro-guest otherwise. */
    private void startDemo() {
        try {
            awaitGuestPack(VmDefinition.GUEST_DEFAULT);
            if (!vms.containsKey("demo")) {
                BackendInfo backend = partitions.resolveBackend(PartitionConfig.AUTO);
                // Debian's cloud kernel wherever it boots: hardware KVM, and the emulator (no /dev/kvm). Under
                // software-nested KVM (kvm_pvm) it gets no further than early boot, so the micro-guest there.
                VmDefinition d = switch (backend.kind()) {
                    case HARDWARE_KVM -> new VmDefinition("demo", 2, 1024, VmDefinition.IMAGE_LINUX, null, null, null);
                    case EMULATOR -> new VmDefinition("demo", 2, 512, VmDefinition.IMAGE_LINUX, null, null, null);
                    default -> new VmDefinition("demo", 2, 256, VmDefinition.IMAGE_DEMO, null, null, null);
                };
                create(d);
            }
            VmInfo info = start("demo");
            String backend = info.runtime().getOrDefault("backend", "?");
            String kind = info.runtime().getOrDefault("kind", "");
            LOG.info("VM demo started on {} ({}); see it with vm:info demo and vm:console demo", backend, kind);
            // On screen too: the operator of ./run.sh should not need the log to know what runs where.
            System.out.println("Celadon: VM demo is running on the " + backend + " backend (" + kind
                    + "), booting " + info.definition().bootSource() + ". Try vm:log demo, vm:console demo.");
        } catch (RuntimeException e) {
            LOG.error("could not start the demo VM: {}", e.getMessage(), e);
            System.out.println("Celadon: the demo VM did not start: " + e.getMessage());
        }
    }

    /**
     * A device provider arrived (DS, dynamic): running VMs with entries of its kind that nothing serves get them
     * offered now.
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeProvider")
    public void addProvider(VmbusDeviceProvider provider) {
        providers.add(provider);
        LOG.info("VMBus device provider for {}s: {}", provider.kind(), provider.getClass().getName());
        for (VmRun run : runs()) {
            run.providerCame(provider);
        }
    }

    /** A device provider is leaving: its devices are rescinded from running VMs and closed before it goes. */
    public void removeProvider(VmbusDeviceProvider provider) {
        providers.remove(provider);
        for (VmRun run : runs()) {
            run.providerGone(provider);
        }
        LOG.info("VMBus device provider for {}s gone: {}", provider.kind(), provider.getClass().getName());
    }

    /** A provider of devices for every VM arrived (DS, dynamic): running VMs get its devices now (hot add). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeServiceProvider")
    public void addServiceProvider(VmbusServiceProvider provider) {
        serviceProviders.add(provider);
        LOG.info("VMBus services for every VM: {} ({})", provider.name(), provider.getClass().getName());
        for (VmRun run : runs()) {
            run.serviceCame(provider);
        }
    }

    /** A provider of devices for every VM is leaving: its devices are rescinded from running VMs and closed. */
    public void removeServiceProvider(VmbusServiceProvider provider) {
        serviceProviders.remove(provider);
        for (VmRun run : runs()) {
            run.serviceGone(provider);
        }
        LOG.info("VMBus services for every VM gone: {}", provider.name());
    }

    private List<VmRun> runs() {
        List<VmRun> out = new ArrayList<>();
        for (Vm vm : vms.values()) {
            synchronized (vm) {
                if (vm.run != null) {
                    out.add(vm.run);
                }
            }
        }
        return out;
    }

    @Deactivate
    public void deactivate() {
        for (Vm vm : vms.values()) {
            VmRun run;
            synchronized (vm) {
                run = vm.run;
            }
            if (run != null) {
                LOG.info("powering off VM {}: management is going away", vm.definition.name());
                run.partition().stop();
            }
        }
    }

    @Override
    public VmInfo create(VmDefinition definition) {
        if (definition == null) {
            throw new VmException("no definition given");
        }
        definition.validate();
        checkHostLimits(definition);
        checkGuestPack(definition);
        checkDisks(definition);
        try {
            BootImage.check(definition);
        } catch (HypervisorException e) {
            throw new VmException(e.getMessage(), e); // e.g. the loader's "not an ELF (PVH) or bzImage kernel"
        }
        Vm vm = new Vm(definition);
        if (vms.putIfAbsent(definition.name(), vm) != null) {
            throw new VmException("a VM named " + definition.name() + " already exists");
        }
        try {
            store.save(definition);
        } catch (RuntimeException e) {
            vms.remove(definition.name(), vm);
            throw e;
        }
        LOG.info("VM {} defined: {} vCPUs, {} MiB, {}", definition.name(), definition.cpus(), definition.memoryMib(),
                definition.bootSource());
        return info(vm);
    }

    /** A new definition must name a guest pack that is present (one loaded from disk may wait for its pack). */
    private void checkGuestPack(VmDefinition d) {
        try {
            partitions.checkGuestPack(d.guestOrDefault());
        } catch (HypervisorException e) {
            throw new VmException(e.getMessage(), e);
        }
    }

    /** The backend's and the host's limits, decided by the hypervisor core (the one place they are checked). */
    private void checkHostLimits(VmDefinition d) {
        String wanted = d.backendOrAuto();
        List<BackendInfo> present = partitions.backends();
        if (!VmDefinition.BACKEND_AUTO.equals(wanted) && present.stream().noneMatch(b -> b.name().equals(wanted))) {
            throw new VmException("no backend named '" + wanted + "'; use auto or one of: "
                    + String.join(", ", present.stream().map(BackendInfo::name).toList()));
        }
        try {
            partitions.resolveBackend(wanted);
        } catch (HypervisorException e) {
            // Backends come and go at runtime: the definition is kept, and starting it says why it cannot run.
            LOG.warn("VM {}: {}", d.name(), e.getMessage());
            return;
        }
        try {
            partitions.checkLimits(wanted, d.cpus(), PartitionConfig.mibToBytes(d.memoryMib()));
        } catch (HypervisorException e) {
            throw new VmException(e.getMessage(), e);
        }
    }

    @Override
    public List<VmInfo> list() {
        List<VmInfo> out = new ArrayList<>();
        for (Vm vm : vms.values()) {
            out.add(info(vm));
        }
        return out;
    }

    @Override
    public VmInfo info(String name) {
        return info(vm(name));
    }

    private VmInfo info(Vm vm) {
        synchronized (vm) {
            Map<String, String> runtime = new LinkedHashMap<>();
            if (vm.run != null) {
                runtime.putAll(vm.run.facts());
            }
            runtime.put("console-bytes", Long.toString(vm.console.bytesWritten()));
            return new VmInfo(vm.definition, vm.state, vm.failureReason, vm.since, runtime);
        }
    }

    private Vm vm(String name) {
        Vm vm = name == null ? null : vms.get(name);
        if (vm == null) {
            throw new VmException("no VM named " + name + (vms.isEmpty() ? "" : "; VMs: " + String.join(", ", vms.keySet())));
        }
        return vm;
    }

    @Override
    public VmInfo start(String name) {
        Vm vm = vm(name);
        VmDefinition d;
        synchronized (vm) {
            if (vm.state.isActive()) {
                throw new VmException("VM " + name + " is already " + vm.state.name().toLowerCase());
            }
            vm.state = VmState.STARTING;
            vm.cancelRequested = false;
            vm.failureReason = null;
            vm.since = Instant.now();
            d = vm.definition;
        }
        try {
            BootImage image = BootImage.resolve(d, guestKit);
            VmRun run = VmRun.launch(partitions, hyperV, loader, d, image, List.copyOf(providers),
                    List.copyOf(serviceProviders), vm.console, (p, s) -> partitionEnded(vm, p, s));
            boolean cancelled;
            synchronized (vm) {
                cancelled = vm.cancelRequested;
                if (vm.state == VmState.STARTING && !cancelled) { // not already ended by a fast failure
                    vm.run = run;
                    vm.state = VmState.RUNNING;
                    vm.since = Instant.now();
                } else if (!cancelled) {
                    run.release(vm.console); // it ended while starting; partitionEnded recorded why
                }
            }
            if (cancelled) {
                run.partition().stop(); // nothing of a cancelled start outlives it
                run.release(vm.console);
                synchronized (vm) {
                    vm.state = VmState.STOPPED;
                    vm.since = Instant.now();
                    vm.run = null;
                }
                throw new VmException("the start of VM " + name + " was cancelled"
                        + (vm.deleted ? " (the VM was deleted)" : ""));
            }
            LOG.info("VM {} started", name);
        } catch (VmException e) {
            if (vm.cancelRequested) {
                throw e;
            }
            markFailed(vm, e.getMessage());
            throw new VmException("VM " + name + " failed to start: " + e.getMessage(), e);
        } catch (HypervisorException e) {
            markFailed(vm, e.getMessage());
            throw new VmException("VM " + name + " failed to start: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            markFailed(vm, e.toString());
            throw new VmException("VM " + name + " failed to start: " + e, e);
        }
        return info(vm);
    }

    private void markFailed(Vm vm, String reason) {
        synchronized (vm) {
            vm.state = VmState.FAILED;
            vm.failureReason = reason;
            vm.since = Instant.now();
            vm.run = null;
        }
        LOG.error("VM {} failed: {}", vm.definition.name(), reason);
    }

    /** The partition ended: on request, by the guest, or by a failure. */
    private void partitionEnded(Vm vm, Partition p, PartitionState s) {
        if (!s.isTerminal()) {
            return;
        }
        synchronized (vm) {
            if (vm.run != null && vm.run.partition() != p) {
                return; // an older run
            }
            if (vm.run != null) {
                vm.run.release(vm.console);
                vm.run = null;
            }
            vm.state = s == PartitionState.FAILED ? VmState.FAILED : VmState.STOPPED;
            vm.failureReason = p.failureReason().orElse(null);
            vm.since = Instant.now();
        }
        if (s == PartitionState.FAILED) {
            LOG.error("VM {} failed: {}", vm.definition.name(), p.failureReason().orElse("unknown reason"));
        } else {
            LOG.info("VM {} stopped", vm.definition.name());
        }
    }

    @Override
    public VmInfo stop(String name) {
        Vm vm = vm(name);
        VmRun run;
        synchronized (vm) {
            run = vm.run;
            if (run == null && vm.state == VmState.STARTING) {
                vm.cancelRequested = true; // the starting thread stops what it made as soon as it has made it
                LOG.info("VM {}: start cancelled", name);
                return info(vm);
            }
            if (run == null) {
                throw new VmException("VM " + name + " is not running (" + vm.state.name().toLowerCase() + ")");
            }
        }
        run.partition().stop(); // returns once threads, descriptors and memory are released
        return info(vm);
    }

    @Override
    public List<VmChannel> channels(String name) {
        Vm vm = vm(name);
        VmRun run;
        synchronized (vm) {
            run = vm.run;
            if (run == null) {
                throw new VmException("VM " + name + " is not running (" + vm.state.name().toLowerCase()
                        + "): it has VMBus channels only while it runs");
            }
        }
        return run.channels();
    }

    /**
     * The disks of a definition, checked on the host: absolute paths of regular files, readable, writable unless
     * read-only, none twice (by real path), and, where a disk provider is registered, opening as a disk image.
     */
    private void checkDisks(VmDefinition d) {
        Map<Path, String> seen = new HashMap<>();
        VmbusDeviceProvider provider = VmRun.find(providers, VmbusDeviceProvider.KIND_DISK);
        List<DeviceRequest> requests = VmRun.requests(d);
        for (int i = 0; i < d.disks().size(); i++) {
            VmDefinition.Disk disk = d.disks().get(i);
            Path p;
            try {
                p = Path.of(disk.path());
            } catch (RuntimeException e) {
                throw new VmException("disk '" + disk.path() + "': not a file name: " + e.getMessage());
            }
            if (!p.isAbsolute()) {
                throw new VmException("disk " + disk.path() + ": give an absolute path");
            }
            if (!Files.exists(p)) {
                throw new VmException("disk " + p + ": no such file");
            }
            if (!Files.isRegularFile(p)) {
                throw new VmException("disk " + p + ": not a regular file");
            }
            if (!Files.isReadable(p)) {
                throw new VmException("disk " + p + ": not readable by Celadon");
            }
            if (!disk.readOnly() && !Files.isWritable(p)) {
                throw new VmException("disk " + p + ": not writable by Celadon; attach it read-only (FILE:ro, --readonly)");
            }
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                throw new VmException("disk " + p + ": " + e.getMessage(), e);
            }
            String before = seen.putIfAbsent(real, disk.path());
            if (before != null) {
                throw new VmException("disk " + disk.path() + " is given twice" + (before.equals(disk.path()) ? ""
                        : " (also as " + before + ")") + "; a VM has each disk file once");
            }
            if (provider != null) {
                try {
                    provider.check(requests.get(i));
                } catch (IllegalArgumentException e) {
                    throw new VmException(e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public VmInfo attachDisk(String name, VmDefinition.Disk disk) {
        Vm vm = vm(name);
        if (disk == null) {
            throw new VmException("no disk given");
        }
        synchronized (vm) {
            requireNotStarting(vm, "attach a disk to");
            VmDefinition before = vm.definition;
            VmDefinition d = before.withDisk(disk);
            d.validate();
            checkDisks(d);
            store.save(d);
            if (vm.run != null) {
                // Running: offered to the guest now (hot add); if that fails the definition is as it was.
                try {
                    List<DeviceRequest> requests = VmRun.requests(d);
                    vm.run.attach(requests.get(requests.size() - 1), List.copyOf(providers));
                } catch (RuntimeException e) {
                    store.save(before);
                    throw e instanceof VmException ve ? ve : new VmException(e.getMessage(), e);
                }
            }
            vm.definition = d;
        }
        LOG.info("VM {}: disk {} attached", name, disk);
        return info(vm);
    }

    @Override
    public VmInfo detachDisk(String name, String which) {
        Vm vm = vm(name);
        synchronized (vm) {
            requireNotStarting(vm, "detach a disk from");
            List<VmDefinition.Disk> disks = new ArrayList<>(vm.definition.disks());
            int index = -1;
            if (which != null && which.matches("\\d{1,3}")) {
                index = Integer.parseInt(which);
            } else {
                for (int i = 0; i < disks.size(); i++) {
                    if (disks.get(i).path().equals(which)) {
                        index = i;
                    }
                }
            }
            if (index < 0 || index >= disks.size()) {
                throw new VmException("VM " + name + " has no disk " + which + (disks.isEmpty() ? " (it has no disks)"
                        : "; its disks: " + describe(disks)));
            }
            VmDefinition.Disk gone = disks.remove(index);
            VmDefinition d = vm.definition.withDisks(disks);
            store.save(d);
            if (vm.run != null) {
                vm.run.detach(VmbusDeviceProvider.KIND_DISK, gone.path()); // rescinded from the guest (hot remove)
            }
            vm.definition = d;
            LOG.info("VM {}: disk {} detached", name, gone);
        }
        return info(vm);
    }

    private static String describe(List<VmDefinition.Disk> disks) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            l.add(i + " " + disks.get(i));
        }
        return String.join(", ", l);
    }

    /** Disks change on a stopped VM (its definition) or a running one (offer/rescind too); not while it starts. */
    private static void requireNotStarting(Vm vm, String what) {
        if (vm.state == VmState.STARTING) {
            throw new VmException("VM " + vm.definition.name() + " is starting: wait until it runs to " + what + " it");
        }
    }

    @Override
    public void delete(String name, boolean force) {
        Vm vm = vm(name);
        VmRun run;
        synchronized (vm) {
            if (vm.state.isActive() && !force) {
                throw new VmException("VM " + name + " is " + vm.state.name().toLowerCase()
                        + "; stop it first (or delete with --force)");
            }
            if (vm.state == VmState.STARTING) {
                vm.cancelRequested = true; // the start in progress stops its partition (see start)
                vm.deleted = true;
            }
            run = vm.run;
        }
        if (run != null) {
            run.partition().stop();
        }
        store.delete(name);
        vms.remove(name, vm);
        LOG.info("VM {} deleted", name);
    }

    @Override
    public VmConsole console(String name) {
        return vm(name).console;
    }

    @Override
    public List<String> imageNames() {
        return BootImage.names();
    }

    @Override
    public List<String> backendNames() {
        List<String> names = new ArrayList<>();
        names.add(VmDefinition.BACKEND_AUTO);
        partitions.backends().forEach(b -> names.add(b.name()));
        return names;
    }

    @Override
    public List<String> guestPacks() {
        return partitions.guestPacks();
    }

    @Override
    public Map<String, String> hostInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        String auto;
        try {
            auto = partitions.resolveBackend(PartitionConfig.AUTO).name();
        } catch (HypervisorException e) {
            auto = "none: " + e.getMessage();
        }
        info.put("auto-backend", auto);
        for (BackendInfo b : partitions.backends()) {
            info.put("backend." + b.name(), b.describe());
        }
        info.put("definitions", store.dir().toString());
        return info;
    }

    @Override
    public Map<String, String> loadProblems() {
        return loadProblems;
    }
}
