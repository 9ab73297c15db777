package dev.celadon.hypervisor.api.enlightenment;

/**
 * Bits an enlightenment contributes to the Hyper-V CPUID leaves: 0x40000003 EAX (features: which synthetic MSRs
 * exist), EBX (privileges: which hypercalls), EDX (miscellaneous features), 0x40000004 EAX (recommendations). The
 * core ORs them into the profile of every partition the enlightenment attached to, then clears
 * {@code withdrawnFeatures}: an enlightenment may replace a profile default (the timing enlightenment withdraws
 * AccessTscInvariantControls so Linux prefers its TSC page over the raw TSC).
 */
public record HvCpuidBits(int features, int privileges, int miscFeatures, int recommendations, int withdrawnFeatures) {

    public static final HvCpuidBits NONE = new HvCpuidBits(0, 0, 0, 0, 0);

    // 0x40000003.EAX
    /** HV_MSR_TIME_REF_COUNT_AVAILABLE: the partition reference counter MSR 0x40000020. */
    public static final int FEATURE_TIME_REF_COUNT = 1 << 1;
    /** HV_MSR_SYNTIMER_AVAILABLE: synthetic timer MSRs 0x400000B0-0x400000B7. */
    public static final int FEATURE_SYNTIMER = 1 << 3;
    /** HV_MSR_REFERENCE_TSC_AVAILABLE: the reference TSC page MSR 0x40000021. */
    public static final int FEATURE_REFERENCE_TSC = 1 << 9;
    /** HV_ACCESS_FREQUENCY_MSRS: TSC and APIC frequency MSRs 0x40000022/0x40000023. */
    public static final int FEATURE_FREQUENCY_MSRS = 1 << 11;
    /** HV_ACCESS_TSC_INVARIANT: MSR 0x40000118 (the core's profile sets it). */
    public static final int FEATURE_TSC_INVARIANT = 1 << 15;
    // 0x40000003.EDX
    /** HV_FEATURE_FREQUENCY_MSRS_AVAILABLE: the guest may take the frequencies from the MSRs (no calibration). */
    public static final int MISC_FREQUENCY_MSRS = 1 << 8;
    /** HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE: crash MSRs 0x40000100-0x40000105. */
    public static final int MISC_CRASH_MSRS = 1 << 10;
    /** HV_STIMER_DIRECT_MODE_AVAILABLE: synthetic timers may interrupt with a vector instead of a message. */
    public static final int MISC_STIMER_DIRECT_MODE = 1 << 19;
    /** Privileges no child partition may have: AccessPartitionId, CpuManagement, Isolation (root/CVM paths). */
    public static final int FORBIDDEN_PRIVILEGES = 1 << 1 | 1 << 12 | 1 << 22;

    public HvCpuidBits {
        if ((privileges & FORBIDDEN_PRIVILEGES) != 0) {
            throw new IllegalArgumentException(String.format("privileges 0x%x: root/isolation bits", privileges));
        }
        if ((features & withdrawnFeatures) != 0) {
            throw new IllegalArgumentException(String.format("features 0x%x both added and withdrawn (0x%x)",
                    features, withdrawnFeatures));
        }
    }

    /** Both sets of bits (what two enlightenments add together). */
    public HvCpuidBits or(HvCpuidBits o) {
        int withdrawn = withdrawnFeatures | o.withdrawnFeatures;
        return new HvCpuidBits((features | o.features) & ~withdrawn, privileges | o.privileges,
                miscFeatures | o.miscFeatures, recommendations | o.recommendations, withdrawn);
    }
}
