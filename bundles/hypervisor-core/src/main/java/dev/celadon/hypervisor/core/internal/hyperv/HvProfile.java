package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;

/**
 * What the Hyper-V CPUID leaves advertise: the feature, privilege and recommendation words of leaves 0x40000003
 * and 0x40000004 and the version of 0x40000002. A guest pack will provide these as a service; until then
 * {@link #linux()} is the one profile. Only what this layer implements may be advertised: a bit set for a missing
 * feature is a guest crash later.
 */
record HvProfile(int features, int privileges, int powerFeatures, int miscFeatures, int recommendations,
                 int spinlockRetries, int buildNumber, int version) {

    // 0x40000003.EAX (partition privilege mask, low half: which synthetic MSRs exist)
    static final int ACCESS_SYNIC_REGS = 1 << 2;
    static final int ACCESS_HYPERCALL_MSRS = 1 << 5;
    static final int ACCESS_VP_INDEX = 1 << 6;
    /** HV_X64_MSR_TSC_INVARIANT_CONTROL exists: Linux writes it and trusts the TSC; without it, marks it unstable. */
    static final int ACCESS_TSC_INVARIANT = 1 << 15;
    // 0x40000003.EBX (high half: which hypercalls the partition may make)
    static final int POST_MESSAGES = 1 << 4;
    static final int SIGNAL_EVENTS = 1 << 5;
    /** Must stay clear for a child partition: Linux 6.1 takes root-partition paths (and BUG()s) with them. */
    static final int ACCESS_PARTITION_ID = 1 << 1, CPU_MANAGEMENT = 1 << 12, ISOLATION = 1 << 22;
    // 0x40000004.EAX
    /** "Deprecating auto-EOI": the guest EOIs SynIC vectors itself; neither backend can auto-EOI. */
    static final int DEPRECATING_AEOI = 1 << 9;

    HvProfile {
        if ((privileges & (ACCESS_PARTITION_ID | CPU_MANAGEMENT | ISOLATION)) != 0) {
            throw new IllegalArgumentException(String.format("privileges 0x%x: root/isolation bits set", privileges));
        }
    }

    /**
     * This profile with an enlightenment's bits added and its withdrawn features removed (the constructor still
     * refuses root and isolation privileges).
     */
    HvProfile with(HvCpuidBits bits) {
        return new HvProfile((features | bits.features()) & ~bits.withdrawnFeatures(), privileges | bits.privileges(),
                powerFeatures, miscFeatures | bits.miscFeatures(), recommendations | bits.recommendations(),
                spinlockRetries, buildNumber, version);
    }

    /**
     * What Linux 6.1 needs to take its Hyper-V path (hyperv-guest-abi.md §1): hypercall page, VP index and SynIC,
     * and the invariant-TSC control so it keeps the TSC as its clock (both backends' TSCs are constant-rate);
     * HvPostMessage and HvSignalEvent; no auto-EOI; spinlocks never notified (0xFFFFFFFF). Timing,
     * synthetic timers and crash MSRs are enlightenment bundles: {@link #with} adds their bits per partition.
     */
    static HvProfile linux() {
        return new HvProfile(ACCESS_SYNIC_REGS | ACCESS_HYPERCALL_MSRS | ACCESS_VP_INDEX | ACCESS_TSC_INVARIANT,
                POST_MESSAGES | SIGNAL_EVENTS,
                0, 0, DEPRECATING_AEOI, 0xFFFF_FFFF, 1, 0x0000_0001);
    }
}
