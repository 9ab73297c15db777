package dev.celadon.guest.windows.internal;

import static dev.celadon.hypervisor.api.guest.GuestProfile.*;

import dev.celadon.hypervisor.api.guest.GuestPack;
import dev.celadon.hypervisor.api.guest.GuestProfile;
import org.osgi.service.component.annotations.Component;

/**
 * The Windows-style guest pack: the Hyper-V profile Windows guests are given by Hyper-V (and by QEMU's hv-*
 * options), as a request; the core withholds what this platform does not implement. Each word against the TLFS is
 * in this bundle's README. No Windows image can be had here: the words are tested as such, and from a micro-guest.
 */
@Component(service = GuestPack.class, property = "celadon.guest=windows")
public final class WindowsGuestPack implements GuestPack {

    /** Hyper-V's own spinlock retry count for Windows guests (QEMU's hv-spinlocks default is the same 0xFFF). */
    static final int SPINLOCK_RETRIES = 0xFFF;

    /** 0x40000003.EAX asked for. */
    static final int FEATURES = ACCESS_VP_RUNTIME | ACCESS_PARTITION_REFERENCE_COUNTER | ACCESS_SYNIC_REGS
            | ACCESS_SYNTHETIC_TIMER_REGS | ACCESS_APIC_MSRS | ACCESS_HYPERCALL_MSRS | ACCESS_VP_INDEX
            | ACCESS_RESET_REG | ACCESS_PARTITION_REFERENCE_TSC | ACCESS_FREQUENCY_REGS;
    /** 0x40000003.EBX asked for: VMBus's two hypercalls. */
    static final int PRIVILEGES = POST_MESSAGES | SIGNAL_EVENTS;
    /** 0x40000004.EAX asked for. */
    static final int RECOMMENDATIONS = RECOMMEND_HYPERCALL_LOCAL_FLUSH | RECOMMEND_HYPERCALL_REMOTE_FLUSH
            | RECOMMEND_APIC_MSRS | RECOMMEND_RESET_MSR | RECOMMEND_RELAXED_TIMING | RECOMMEND_DEPRECATING_AUTO_EOI
            | RECOMMEND_SYNTHETIC_CLUSTER_IPI;

    static final GuestProfile PROFILE = new GuestProfile("windows", FEATURES, PRIVILEGES, 0, RECOMMENDATIONS,
            SPINLOCK_RETRIES);

    @Override
    public GuestProfile profile() {
        return PROFILE;
    }

    @Override
    public String description() {
        return "Windows-style Hyper-V profile (relaxed timing, APIC access MSRs, spinlock retries 0xFFF)";
    }
}
