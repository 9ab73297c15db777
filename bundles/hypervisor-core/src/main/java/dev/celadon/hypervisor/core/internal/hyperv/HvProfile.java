package dev.celadon.hypervisor.core.internal.hyperv;

import static dev.celadon.hypervisor.api.guest.GuestProfile.*;

import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;
import dev.celadon.hypervisor.api.guest.GuestProfile;

/**
 * What one partition's Hyper-V CPUID leaves advertise: the feature, privilege and recommendation words of leaves
 * 0x40000003 and 0x40000004 and the version of 0x40000002. Made by {@link #grant}: the guest pack asks, the
 * enlightenments that attached add their bits, and everything that neither the core nor those enlightenments
 * implement on this partition is cleared. Only what this layer implements may be advertised: a bit set for a
 * missing feature is a guest crash later. {@code masked*} keep what the pack asked for and did not get.
 */
record HvProfile(String guest, int features, int privileges, int powerFeatures, int miscFeatures,
                 int recommendations, int spinlockRetries, int buildNumber, int version,
                 int maskedFeatures, int maskedPrivileges, int maskedMisc, int maskedRecommendations) {

    /** The synthetic MSRs the core itself implements on every partition (SyntheticMsrs, Synic). */
    static final int CORE_FEATURES = ACCESS_SYNIC_REGS | ACCESS_HYPERCALL_MSRS | ACCESS_VP_INDEX
            | ACCESS_TSC_INVARIANT_CONTROLS;
    /** The hypercalls the core answers behind a privilege bit (HvPostMessage, HvSignalEvent). */
    static final int CORE_PRIVILEGES = POST_MESSAGES | SIGNAL_EVENTS;
    /**
     * Recommendations the core can honour on every partition: relaxed timing (a hint that needs nothing of the
     * host) and deprecating auto-EOI (the guest EOIs SynIC vectors itself; neither backend can auto-EOI).
     */
    static final int CORE_RECOMMENDATIONS = RECOMMEND_RELAXED_TIMING | RECOMMEND_DEPRECATING_AUTO_EOI;
    /** Leaf 0x40000002: build 1, version 0.1 (this platform's own numbering; no guest here checks it). */
    static final int BUILD = 1, VERSION = 0x0000_0001;

    HvProfile {
        if ((privileges & FORBIDDEN_PRIVILEGES) != 0) {
            throw new IllegalArgumentException(String.format("privileges 0x%x: root/isolation bits set", privileges));
        }
    }

    /**
     * What the backend lets the core implement on one partition.
     *
     * @param apicMsrs the APIC access MSRs can be mapped onto the backend's local APICs
     * @param x2apic   the CPU model advertises x2APIC (CPUID.1:ECX[21]), so "use the x2APIC MSRs" is true advice
     */
    record Capabilities(boolean apicMsrs, boolean x2apic) {
        static final Capabilities NONE = new Capabilities(false, false);
    }

    /** The pack's request with {@code bits} added, masked to what the core and the enlightenments implement. */
    static HvProfile grant(GuestProfile asked, HvCpuidBits bits, Capabilities caps) {
        int features = (asked.features() | bits.features()) & ~bits.withdrawnFeatures();
        int allowedFeatures = CORE_FEATURES | bits.features() | (caps.apicMsrs() ? ACCESS_APIC_MSRS : 0);
        int privileges = asked.privileges() | bits.privileges();
        int allowedPrivileges = CORE_PRIVILEGES | bits.privileges();
        int misc = asked.miscFeatures() | bits.miscFeatures();
        int recommendations = asked.recommendations() | bits.recommendations();
        int allowedRecommendations = CORE_RECOMMENDATIONS | bits.recommendations()
                | (caps.apicMsrs() ? RECOMMEND_APIC_MSRS : 0) | (caps.x2apic() ? RECOMMEND_X2APIC_MSRS : 0);
        // Recommending the APIC MSRs without the AccessIntrCtrlRegs feature would send the guest to MSRs it was
        // told do not exist: the recommendation follows the feature.
        if ((features & allowedFeatures & ACCESS_APIC_MSRS) == 0) {
            allowedRecommendations &= ~RECOMMEND_APIC_MSRS;
        }
        return new HvProfile(asked.name(), features & allowedFeatures, privileges & allowedPrivileges, 0,
                misc & bits.miscFeatures(), recommendations & allowedRecommendations, asked.spinlockRetries(),
                BUILD, VERSION, features & ~allowedFeatures, privileges & ~allowedPrivileges,
                misc & ~bits.miscFeatures(), recommendations & ~allowedRecommendations);
    }

    /** Whether the guest may use HV_X64_MSR_EOI/ICR/TPR. */
    boolean apicMsrs() {
        return (features & ACCESS_APIC_MSRS) != 0;
    }

    /** What was asked for and cleared, for the log and hv:partition ("" when nothing was). */
    String describeMasked() {
        StringBuilder b = new StringBuilder();
        if (maskedFeatures != 0) {
            b.append(String.format(" 0x40000003.EAX 0x%x", maskedFeatures));
        }
        if (maskedPrivileges != 0) {
            b.append(String.format(" 0x40000003.EBX 0x%x", maskedPrivileges));
        }
        if (maskedMisc != 0) {
            b.append(String.format(" 0x40000003.EDX 0x%x", maskedMisc));
        }
        if (maskedRecommendations != 0) {
            b.append(String.format(" 0x40000004.EAX 0x%x", maskedRecommendations));
        }
        return b.toString().trim();
    }
}
