package dev.celadon.guest.linux.internal;

import static dev.celadon.hypervisor.api.guest.GuestProfile.*;

import dev.celadon.hypervisor.api.guest.GuestPack;
import dev.celadon.hypervisor.api.guest.GuestProfile;
import org.osgi.service.component.annotations.Component;

/**
 * The Linux-style guest pack (the default): what Linux 6.1 (Debian's cloud kernel) needs to take its Hyper-V path,
 * and nothing it would misuse (hyperv-guest-abi.md §1, README "Linux pack"). Bit for bit the profile the core used
 * before packs existed.
 * <ul>
 * <li>0x40000003.EAX: AccessSynicRegs (VMBus needs the SynIC), AccessHypercallMsrs (hyperv_init enables the
 * hypercall page; without it Linux does not use Hyper-V at all), AccessVpIndex (read on every CPU), and
 * AccessTscInvariantControls (ms_hyperv_init_platform writes 1 to 0x40000118 and keeps the TSC as a stable
 * clocksource; without it the TSC is marked unstable). Timing, synthetic timers and crash MSRs are the
 * enlightenment bundles' bits, added by the core where they attach.</li>
 * <li>0x40000003.EBX: PostMessages and SignalEvents (vmbus_connect). AccessPartitionId, CpuManagement and
 * Isolation must stay clear: with them Linux 6.1 takes root-partition or isolated-VM paths
 * (hv_root_partition, hv_isolation_type_*) and BUG()s in a child partition.</li>
 * <li>0x40000003.EDX: nothing of its own.</li>
 * <li>0x40000004.EAX: DeprecatingAutoEOI (bit 9) only: without it Linux sets auto-EOI on SINT2 and never EOIs
 * vector 0xF3, which hangs a guest on a LAPIC that cannot auto-EOI. The other hints stay clear on purpose: bit 3
 * would switch Linux's xAPIC accessors to MSRs 0x40000070-72, bits 1/2 (TLB flush hypercalls) and 10/11 (IPI
 * hypercalls) are calls this platform does not implement.</li>
 * <li>0x40000004.EBX: 0xFFFFFFFF, never notify long spin waits.</li>
 * </ul>
 */
@Component(service = GuestPack.class, property = "celadon.guest=linux")
public final class LinuxGuestPack implements GuestPack {

    static final GuestProfile PROFILE = new GuestProfile("linux",
            ACCESS_SYNIC_REGS | ACCESS_HYPERCALL_MSRS | ACCESS_VP_INDEX | ACCESS_TSC_INVARIANT_CONTROLS,
            POST_MESSAGES | SIGNAL_EVENTS, 0, RECOMMEND_DEPRECATING_AUTO_EOI, SPINLOCK_NEVER_NOTIFY);

    @Override
    public GuestProfile profile() {
        return PROFILE;
    }

    @Override
    public String description() {
        return "Linux-style Hyper-V profile (Linux 6.1: SynIC, hypercall page, VP index, invariant TSC, no auto-EOI)";
    }
}
