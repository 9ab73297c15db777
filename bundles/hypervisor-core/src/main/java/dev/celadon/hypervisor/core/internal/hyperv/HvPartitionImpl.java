package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.PartitionDevice;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.LocalApicAccess;
import dev.celadon.hypervisor.api.guest.GuestProfile;
import dev.celadon.hypervisor.api.hyperv.ConnectionHandler;
import dev.celadon.hypervisor.api.hyperv.GuestOsId;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.InterceptRegistry;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import dev.celadon.hypervisor.api.intercept.Registration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hyper-V interface of one partition: installed into its intercepts when the partition is created (CPUID
 * leaves, synthetic and SynIC MSRs, hypercalls 0x5C/0x5D), forgotten when it ends.
 */
public final class HvPartitionImpl implements HvPartition {

    private static final Logger LOG = LoggerFactory.getLogger(HvPartitionImpl.class);
    /** The live partitions' layers, for the {@link HyperVService}; an entry leaves with its partition. */
    private static final Map<Partition, HvPartitionImpl> LIVE = new ConcurrentHashMap<>();

    private final SyntheticMsrs msrs;
    private final Synic[] synics;
    private final HypercallDispatcher dispatcher;

    /** The enlightenments applied at creation, in attach order; fixed before the partition starts. */
    private volatile List<Applied> applied = List.of();
    /** What the CPUID leaves advertise; fixed before the partition starts. */
    private volatile HvProfile profile;

    /** An enlightenment service and what it installed on this partition. */
    record Applied(Enlightenment service, String feature, HvCpuidBits bits, EnlightenmentInstance instance) {
    }

    private HvPartitionImpl(Partition p, byte[] hypercallSequence) {
        int vps = p.config().vpCount();
        msrs = new SyntheticMsrs(p.memory(), hypercallSequence, vps);
        synics = new Synic[vps];
        for (int i = 0; i < vps; i++) {
            synics[i] = new Synic(i, p.memory(), p.interrupts());
        }
        dispatcher = new HypercallDispatcher(p.memory(), msrs, vps);
        InterceptRegistry r = p.intercepts();
        r.msr(SyntheticMsrs.GUEST_OS_ID, 3, msrs);
        r.msr(SyntheticMsrs.VP_ASSIST_PAGE, 1, msrs);
        r.msr(SyntheticMsrs.TSC_INVARIANT_CONTROL, 1, msrs);
        r.msr(Synic.SCONTROL, Synic.SINT15 - Synic.SCONTROL + 1, new MsrHandler() {
            @Override
            public long read(VirtualProcessor vp, int msr) {
                return synics[vp.index()].read(msr);
            }

            @Override
            public void write(VirtualProcessor vp, int msr, long value) {
                synics[vp.index()].write(msr, value);
            }
        });
        r.hypercall(HypercallDispatcher.NOTIFY_LONG_SPIN_WAIT, dispatcher::notifyLongSpinWait);
        r.hypercall(HypercallDispatcher.POST_MESSAGE, dispatcher::postMessage);
        r.hypercall(HypercallDispatcher.SIGNAL_EVENT, dispatcher::signalEvent);
    }

    /**
     * Installs the Hyper-V interface on a partition just created, before anything else claims its intercepts, and
     * applies {@code enlightenments}: each is attached, and their instances are closed with the partition (as its
     * first devices, so after every other device). The CPUID leaves then advertise the guest pack's {@code asked}
     * profile with the bits of the enlightenments that attached added, masked to what is implemented here
     * ({@link HvProfile#grant}): the APIC access MSRs only if {@code apic} gives the backend's local APICs.
     * {@code hypercallSequence} is the backend's trapping sequence; {@code x2apic} whether its CPU model has x2APIC.
     */
    public static HvPartitionImpl install(Partition partition, byte[] hypercallSequence, GuestProfile asked,
                                          List<Enlightenment> enlightenments, Optional<LocalApicAccess> apic,
                                          boolean x2apic, LongSupplier tsc, long tscHz, long apicHz) {
        HvPartitionImpl hv = new HvPartitionImpl(partition, hypercallSequence);
        EnlightenedPartitionImpl ep = new EnlightenedPartitionImpl(partition, hv, tsc, tscHz, apicHz);
        List<Applied> done = new ArrayList<>();
        HvCpuidBits bits = HvCpuidBits.NONE;
        try {
            // In passes, so an enlightenment comes after the features it requires; what is left has a requirement
            // that is absent (not registered, or declined this partition).
            List<Enlightenment> pending = new ArrayList<>(enlightenments);
            Set<String> attached = new HashSet<>();
            boolean progress = true;
            while (progress && !pending.isEmpty()) {
                progress = false;
                for (Iterator<Enlightenment> it = pending.iterator(); it.hasNext(); ) {
                    Enlightenment e = it.next();
                    if (!attached.containsAll(requirements(e))) {
                        continue;
                    }
                    it.remove();
                    progress = true;
                    Applied a = attach(e, ep);
                    if (a != null) {
                        done.add(a);
                        attached.add(a.feature());
                        partition.addDevice(new InstanceDevice(a));
                        bits = bits.or(a.bits());
                    }
                }
            }
            for (Enlightenment e : pending) {
                LOG.info("partition {}: enlightenment {} left out: it requires {}", partition.name(), e, requirements(e));
            }
            hv.applied = List.copyOf(done);
            HvProfile granted = HvProfile.grant(asked, bits, new HvProfile.Capabilities(apic.isPresent(), x2apic));
            if (granted.apicMsrs()) {
                partition.intercepts().msr(ApicMsrs.EOI, ApicMsrs.COUNT, new ApicMsrs(apic.orElseThrow()));
            }
            hv.profile = granted;
            partition.intercepts().cpuid(new HvCpuid(granted, partition.config().vpCount()));
            String withheld = granted.describeMasked();
            if (!withheld.isEmpty()) {
                LOG.info("partition {}: guest pack {} asked for bits nothing implements here, withheld: {}",
                        partition.name(), asked.name(), withheld);
            }
        } catch (RuntimeException ex) {
            for (Applied a : done) {
                closeQuietly(a);
            }
            throw ex;
        }
        LIVE.put(partition, hv);
        partition.addListener((p, state) -> {
            if (state.isTerminal()) {
                LIVE.remove(p);
            }
        });
        if (partition.state().isTerminal()) {
            LIVE.remove(partition);
        }
        return hv;
    }

    /** One enlightenment on one partition; one that throws or declines is left out (and its bits with it). */
    private static Applied attach(Enlightenment e, EnlightenedPartitionImpl ep) {
        try {
            String feature = e.feature();
            HvCpuidBits bits = e.cpuid();
            Optional<EnlightenmentInstance> i = e.attach(ep);
            if (i.isEmpty()) {
                LOG.info("partition {}: enlightenment {} does not apply", ep.partition().name(), feature);
                return null;
            }
            return new Applied(e, feature, bits, i.get());
        } catch (RuntimeException ex) {
            LOG.warn("partition {}: enlightenment {} failed to attach; left out", ep.partition().name(), e, ex);
            return null;
        }
    }

    private static Set<String> requirements(Enlightenment e) {
        try {
            Set<String> r = e.requires();
            return r == null ? Set.of() : r;
        } catch (RuntimeException ex) {
            return Set.of("(requires() failed: " + ex + ")");
        }
    }

    private static void closeQuietly(Applied a) {
        try {
            a.instance().close();
        } catch (RuntimeException ex) {
            LOG.error("enlightenment {} failed to close", a.feature(), ex);
        }
    }

    /** Closes an enlightenment instance with the partition, like a device. */
    private record InstanceDevice(Applied applied) implements PartitionDevice {
        @Override
        public String name() {
            return "enlightenment " + applied.feature();
        }

        @Override
        public void close() {
            closeQuietly(applied);
        }
    }

    /** Whether this partition runs an instance made by {@code service}. */
    boolean uses(Enlightenment service) {
        for (Applied a : applied) {
            if (a.service() == service) {
                return true;
            }
        }
        return false;
    }

    /** The live partition's layer, if any (the partition manager's view). */
    public static Optional<HvPartitionImpl> find(Partition partition) {
        return Optional.ofNullable(LIVE.get(partition));
    }

    /** Whether {@code partition} runs an instance made by {@code service}. */
    public static boolean uses(Partition partition, Enlightenment service) {
        HvPartitionImpl hv = LIVE.get(partition);
        return hv != null && hv.uses(service);
    }

    @Override
    public List<String> enlightenments() {
        List<String> out = new ArrayList<>();
        for (Applied a : applied) {
            out.add(a.feature());
        }
        return out;
    }

    @Override
    public String guestPack() {
        return profile.guest();
    }

    @Override
    public String advertised() {
        HvProfile p = profile;
        return String.format("features=0x%x privileges=0x%x misc=0x%x recommendations=0x%x spinlock-retries=0x%x",
                p.features(), p.privileges(), p.miscFeatures(), p.recommendations(), p.spinlockRetries());
    }

    @Override
    public String withheld() {
        return profile.describeMasked();
    }

    @Override
    public long spinWaitNotifications() {
        return dispatcher.spinWaits();
    }

    static Optional<HvPartition> of(Partition partition) {
        return Optional.ofNullable(LIVE.get(partition));
    }

    private Synic synic(int vpIndex) {
        if (vpIndex < 0 || vpIndex >= synics.length) {
            throw new HypervisorException("no virtual processor " + vpIndex);
        }
        return synics[vpIndex];
    }

    @Override
    public Registration connect(int connectionId, ConnectionHandler handler) {
        return dispatcher.connect(connectionId, handler);
    }

    @Override
    public PostResult post(int vpIndex, int sint, SynicMessage message) {
        return synic(vpIndex).post(sint, message);
    }

    @Override
    public PostResult signalEvent(int vpIndex, int sint, int flag) {
        return synic(vpIndex).signalEvent(sint, flag);
    }

    @Override
    public GuestOsId guestOsId() {
        return msrs.guestOsId();
    }

    @Override
    public long hypercallPage() {
        return msrs.hypercallPage();
    }

    @Override
    public long hypercallCount(int vpIndex) {
        synic(vpIndex);
        return dispatcher.count(vpIndex);
    }

    /** Messages waiting for SINT {@code sint} of {@code vpIndex} (tests, diagnostics). */
    public int queued(int vpIndex, int sint) {
        return synic(vpIndex).queued(sint);
    }
}
