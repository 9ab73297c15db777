package dev.celadon.hypervisor.core.internal;

import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionLimits;
import dev.celadon.hypervisor.api.PartitionManager;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.guest.GuestPack;
import dev.celadon.hypervisor.api.guest.GuestProfile;
import dev.celadon.hypervisor.core.internal.hyperv.HvPartitionImpl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition manager: the one place partitions are made. It binds every {@link HypervisorBackend} service
 * present, by its {@code celadon.backend} name; each partition remembers its backend, and a backend going away
 * stops only its own partitions (before its bundle can release anything they use).
 */
@Component(service = PartitionManager.class)
public final class PartitionManagerImpl implements PartitionManager {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionManagerImpl.class);

    /** A backend service with its name and preference, as registered. */
    private record Bound(String name, int preference, HypervisorBackend backend) {
    }

    private final Map<String, Bound> backends = new ConcurrentHashMap<>();
    /** Enlightenment services present now; a partition takes a snapshot of them when it is created. */
    private final List<Enlightenment> enlightenments = new CopyOnWriteArrayList<>();
    /** Guest pack services present now, in the order they came; the first of a name wins. */
    private final List<GuestPack> packs = new CopyOnWriteArrayList<>();
    private final Map<String, CorePartition> live = new ConcurrentHashMap<>();
    private final long hostMemoryBytes;

    public PartitionManagerImpl() {
        this(hostMemoryBytes());
    }

    /** Outside OSGi (tests, embedding): a manager with these guest packs registered. */
    public PartitionManagerImpl(GuestPack... packs) {
        this(hostMemoryBytes());
        for (GuestPack p : packs) {
            register(p);
        }
    }

    /** For tests: a host with {@code hostMemoryBytes} of RAM (0: unknown). */
    PartitionManagerImpl(long hostMemoryBytes) {
        this.hostMemoryBytes = hostMemoryBytes;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, unbind = "removeBackend")
    public void addBackend(HypervisorBackend backend, Map<String, Object> properties) {
        String name = String.valueOf(properties.getOrDefault(HypervisorBackend.NAME_PROPERTY,
                backend.getClass().getSimpleName()));
        Object pref = properties.get(HypervisorBackend.PREFERENCE_PROPERTY);
        int preference = pref instanceof Number n ? n.intValue() : pref != null ? parse(pref.toString()) : 100;
        Bound old = backends.put(name, new Bound(name, preference, backend));
        if (old != null) {
            stopPartitionsOf(old.backend(), "backend " + name + " was replaced");
        }
        LOG.info("backend {} bound (preference {})", name, preference);
    }

    public void removeBackend(HypervisorBackend backend, Map<String, Object> properties) {
        backends.values().removeIf(b -> b.backend() == backend);
        stopPartitionsOf(backend, "its backend is going away");
    }

    /**
     * An enlightenment service appeared (its licence holds and its bundle is active): partitions created from now
     * on get it.
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeEnlightenment")
    public void addEnlightenment(Enlightenment e) {
        enlightenments.add(e);
        LOG.info("enlightenment {} available to new partitions", e.feature());
    }

    /**
     * An enlightenment service went away. Running partitions keep what they booted with (a licence that lapses
     * does not pull a timer from under a guest); but when its bundle is stopping, its code must not outlive it, so
     * the partitions that use it fail with the reason, and this returns once they are torn down.
     */
    public void removeEnlightenment(Enlightenment e, ServiceReference<Enlightenment> ref) {
        enlightenments.remove(e);
        Bundle b = ref == null ? null : ref.getBundle();
        boolean stopping = b != null && (b.getState() & (Bundle.STOPPING | Bundle.RESOLVED | Bundle.INSTALLED)) != 0;
        LOG.info("enlightenment {} withdrawn{}", e.feature(), stopping ? " (its bundle is stopping)" : "");
        if (stopping) {
            stopPartitionsUsing(e);
        }
    }

    /** Adds an enlightenment outside OSGi (tests, embedding); {@link #withdraw} takes it away. */
    public void register(Enlightenment e) {
        addEnlightenment(e);
    }

    /**
     * Takes an enlightenment away outside OSGi; {@code codeGoing} as for a stopping bundle (partitions using it
     * fail).
     */
    public void withdraw(Enlightenment e, boolean codeGoing) {
        enlightenments.remove(e);
        if (codeGoing) {
            stopPartitionsUsing(e);
        }
    }

    private void stopPartitionsUsing(Enlightenment e) {
        String feature = e.feature();
        List<CorePartition> using = new ArrayList<>();
        for (CorePartition p : live.values()) {
            if (HvPartitionImpl.uses(p, e)) {
                using.add(p);
                p.fail("enlightenment " + feature + " went away while the partition used it (its bundle stopped)");
            }
        }
        for (CorePartition p : using) {
            try {
                if (!p.awaitTermination(Duration.ofSeconds(30))) {
                    LOG.error("partition {} did not end within 30 s after enlightenment {} went away", p.name(), feature);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * A guest pack appeared: partitions naming it can be created from now on. One that goes away leaves running
     * partitions as they are (their CPUID leaves were fixed at creation and the pack has no code in them).
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeGuestPack")
    public void addGuestPack(GuestPack pack) {
        packs.add(pack);
        LOG.info("guest pack {} available to new partitions", nameOf(pack));
    }

    public void removeGuestPack(GuestPack pack) {
        packs.remove(pack);
        LOG.info("guest pack {} withdrawn", nameOf(pack));
    }

    /** Adds a guest pack outside OSGi (tests, embedding). */
    public void register(GuestPack pack) {
        addGuestPack(pack);
    }

    private static String nameOf(GuestPack pack) {
        try {
            return pack.name();
        } catch (RuntimeException e) {
            return pack.getClass().getName() + " (name() failed: " + e + ")";
        }
    }

    @Override
    public List<String> guestPacks() {
        return packs.stream().map(PartitionManagerImpl::nameOf).distinct().sorted().collect(Collectors.toList());
    }

    @Override
    public void checkGuestPack(String guest) {
        pack(guest);
    }

    private GuestPack pack(String guest) {
        String g = guest == null || guest.isBlank() ? PartitionConfig.DEFAULT_GUEST : guest;
        for (GuestPack p : packs) {
            if (g.equals(nameOf(p))) {
                return p;
            }
        }
        List<String> present = guestPacks();
        throw new HypervisorException("guest pack '" + g + "' is not present (its bundle is not active); packs: "
                + (present.isEmpty() ? "none" : String.join(", ", present)));
    }

    /** The profile of the pack {@code guest} names; a pack whose profile is not its own name is refused. */
    private GuestProfile profileOf(String guest) {
        GuestPack p = pack(guest);
        GuestProfile profile;
        try {
            profile = p.profile();
        } catch (RuntimeException e) {
            throw new HypervisorException("guest pack " + guest + " failed to give its profile: " + e.getMessage(), e);
        }
        if (profile == null || !profile.name().equals(nameOf(p))) {
            throw new HypervisorException("guest pack " + guest + " gave the profile of "
                    + (profile == null ? "nothing" : profile.name()));
        }
        return profile;
    }

    /** Whether the backend's CPU model advertises x2APIC (CPUID.1:ECX[21]). */
    private static boolean x2apic(List<CpuidEntry> base) {
        for (CpuidEntry e : base) {
            if (e.leaf().leaf() == 1 && e.leaf().subleaf() == 0) {
                return (e.value().ecx() & 1 << 21) != 0;
            }
        }
        return false;
    }

    /** The enlightenments a partition created now would get, in the order they are attached. */
    List<Enlightenment> enlightenments() {
        List<Enlightenment> l = new ArrayList<>(enlightenments);
        l.sort(Comparator.comparing(Enlightenment::feature));
        return l;
    }

    /** Adds a backend outside OSGi (tests, embedding). */
    public void register(String name, int preference, HypervisorBackend backend) {
        addBackend(backend, Map.of(HypervisorBackend.NAME_PROPERTY, name, HypervisorBackend.PREFERENCE_PROPERTY,
                preference));
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    private void stopPartitionsOf(HypervisorBackend backend, String why) {
        for (CorePartition p : new ArrayList<>(live.values())) {
            if (p.backendService() == backend) {
                LOG.info("stopping partition {}: {}", p.name(), why);
                p.stop();
            }
        }
    }

    private List<Bound> ordered() {
        return backends.values().stream()
                .sorted(Comparator.comparingInt(Bound::preference).thenComparing(Bound::name))
                .collect(Collectors.toList());
    }

    @Override
    public List<BackendInfo> backends() {
        List<BackendInfo> out = new ArrayList<>();
        for (Bound b : ordered()) {
            out.add(infoOf(b));
        }
        return out;
    }

    private static BackendInfo infoOf(Bound b) {
        BackendInfo i = b.backend().capabilities();
        // The service property is the name users type; the backend's own must agree with it.
        return i.name().equals(b.name()) ? i : new BackendInfo(b.name(), i.kind(), i.unavailableReason(), i.limits(),
                i.details());
    }

    private Bound resolve(String requested) {
        String r = requested == null || requested.isBlank() ? PartitionConfig.AUTO : requested;
        if (PartitionConfig.AUTO.equals(r)) {
            for (Bound b : ordered()) {
                BackendInfo i = infoOf(b);
                if (i.available() && i.kind().runsGuestCode()) {
                    return b;
                }
            }
            throw new HypervisorException("no backend can run guests here: " + describeAll());
        }
        Bound b = backends.get(r);
        if (b == null) {
            throw new HypervisorException("no backend named '" + r + "'; backends: "
                    + (backends.isEmpty() ? "none" : describeAll()));
        }
        BackendInfo i = infoOf(b);
        if (!i.available()) {
            throw new HypervisorException("backend " + r + " is not available: " + i.unavailableReason());
        }
        return b;
    }

    private String describeAll() {
        if (backends.isEmpty()) {
            return "no backend bundle is active";
        }
        return ordered().stream().map(b -> b.name() + " (" + infoOf(b).describe() + ")")
                .collect(Collectors.joining(", "));
    }

    @Override
    public BackendInfo resolveBackend(String requested) {
        return infoOf(resolve(requested));
    }

    @Override
    public void checkLimits(String backend, int vpCount, long memoryBytes) {
        checkLimits(infoOf(resolve(backend)), vpCount, memoryBytes);
    }

    private void checkLimits(BackendInfo info, int vpCount, long memoryBytes) {
        if (vpCount < 1) {
            throw new HypervisorException("a partition needs at least one virtual processor, got " + vpCount);
        }
        if (memoryBytes <= 0) {
            throw new HypervisorException("a partition needs memory, got " + memoryBytes + " bytes");
        }
        PartitionLimits limits = info.limits().min(new PartitionLimits(PartitionLimits.ARCHITECTURAL_MAX_VPS,
                Long.MAX_VALUE));
        limits.check(info.name(), vpCount, memoryBytes);
        if (hostMemoryBytes > 0 && memoryBytes > hostMemoryBytes) {
            throw new HypervisorException((memoryBytes >> 20) + " MiB of memory requested; this host has only "
                    + (hostMemoryBytes >> 20) + " MiB");
        }
    }

    @Override
    public Partition create(PartitionConfig config) {
        Bound bound = resolve(config.backend());
        BackendInfo info = infoOf(bound);
        checkLimits(info, config.vpCount(), config.memoryBytes());
        GuestProfile profile = profileOf(config.guest());
        CorePartition partition = new CorePartition(config, info, bound.backend(), p -> live.remove(p.name(), p));
        if (live.putIfAbsent(config.name(), partition) != null) {
            throw new HypervisorException("a partition named " + config.name() + " is already running");
        }
        try {
            BackendPartition bp = bound.backend().createPartition(config, partition);
            partition.attach(bp);
            try {
                // Every partition gets the Hyper-V interface (CPUID leaves, synthetic MSRs, hypercalls, SynIC) and
                // the enlightenments present now, before management attaches devices to it.
                HvPartitionImpl.install(partition, bp.hypercallSequence(), profile, enlightenments(), bp.localApic(),
                        x2apic(bp.baseCpuid(0)), bp::readTsc, bp.tscFrequencyHz(), bp.apicTimerFrequencyHz());
            } catch (RuntimeException e) {
                bp.close();
                throw e;
            }
        } catch (RuntimeException e) {
            live.remove(config.name(), partition);
            throw e;
        }
        LOG.info("created partition {} on {}: {} VPs, {} MiB, guest pack {}", config.name(), info.name(),
                config.vpCount(), config.memoryBytes() >> 20, profile.name());
        return partition;
    }

    @Override
    public Collection<Partition> partitions() {
        return List.copyOf(live.values());
    }

    /** The core is going away: stop every partition so no thread or mapping outlives it. */
    @Deactivate
    public void deactivate() {
        for (CorePartition p : new ArrayList<>(live.values())) {
            LOG.info("stopping partition {}: hypervisor core is going away", p.name());
            p.stop();
        }
    }

    private static long hostMemoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            LOG.debug("cannot read /proc/meminfo", e);
        }
        return 0;
    }
}
