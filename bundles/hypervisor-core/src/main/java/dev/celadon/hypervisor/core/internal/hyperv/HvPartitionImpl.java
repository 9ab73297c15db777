package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.hyperv.ConnectionHandler;
import dev.celadon.hypervisor.api.hyperv.GuestOsId;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.InterceptRegistry;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import dev.celadon.hypervisor.api.intercept.Registration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Hyper-V interface of one partition: installed into its intercepts when the partition is created (CPUID
 * leaves, synthetic and SynIC MSRs, hypercalls 0x5C/0x5D), forgotten when it ends.
 */
public final class HvPartitionImpl implements HvPartition {

    /** The live partitions' layers, for the {@link HyperVService}; an entry leaves with its partition. */
    private static final Map<Partition, HvPartitionImpl> LIVE = new ConcurrentHashMap<>();

    private final SyntheticMsrs msrs;
    private final Synic[] synics;
    private final HypercallDispatcher dispatcher;

    private HvPartitionImpl(Partition p, byte[] hypercallSequence, HvProfile profile) {
        int vps = p.config().vpCount();
        msrs = new SyntheticMsrs(p.memory(), hypercallSequence, vps);
        synics = new Synic[vps];
        for (int i = 0; i < vps; i++) {
            synics[i] = new Synic(i, p.memory(), p.interrupts());
        }
        dispatcher = new HypercallDispatcher(p.memory(), msrs, vps);
        InterceptRegistry r = p.intercepts();
        r.cpuid(new HvCpuid(profile, vps));
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
        r.hypercall(HypercallDispatcher.POST_MESSAGE, dispatcher::postMessage);
        r.hypercall(HypercallDispatcher.SIGNAL_EVENT, dispatcher::signalEvent);
    }

    /**
     * Installs the Hyper-V interface with the default (Linux-style) profile on a partition just created, before
     * anything else claims its intercepts. {@code hypercallSequence} is the backend's trapping sequence.
     */
    public static HvPartitionImpl install(Partition partition, byte[] hypercallSequence) {
        HvPartitionImpl hv = new HvPartitionImpl(partition, hypercallSequence, HvProfile.linux());
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
