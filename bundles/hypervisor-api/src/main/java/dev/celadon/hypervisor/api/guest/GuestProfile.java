package dev.celadon.hypervisor.api.guest;

import dev.celadon.hypervisor.api.HypervisorException;
import java.util.regex.Pattern;

/**
 * The Hyper-V CPUID words a guest pack asks for (TLFS "Hypervisor CPUID leaves"): leaf 0x40000003 EAX (partition
 * privilege mask, low half: which synthetic MSRs exist), EBX (high half: which hypercalls the partition may make),
 * EDX (miscellaneous features), and leaf 0x40000004 EAX (implementation recommendations) and EBX (spinlock retry
 * count: how often a guest spins before HvCallNotifyLongSpinWait, 0xFFFFFFFF = never notify). The vendor
 * signature ("Microsoft Hv") and the interface ("Hv#1") are the same for every guest and are not a pack's to
 * choose. The core treats these words as a request: it clears what it cannot implement on the partition.
 *
 * @param name the pack's name: lower case letters, digits and '-', at most 32 characters
 */
public record GuestProfile(String name, int features, int privileges, int miscFeatures, int recommendations,
                           int spinlockRetries) {

    /** 0x40000004.EBX: the guest never notifies the hypervisor of a long spin wait. */
    public static final int SPINLOCK_NEVER_NOTIFY = 0xFFFF_FFFF;

    // 0x40000003.EAX (features: synthetic MSRs), TLFS 2.4.4 "Partition Privilege Flags", low half
    /** AccessVpRunTimeReg: HV_X64_MSR_VP_RUNTIME 0x40000010. */
    public static final int ACCESS_VP_RUNTIME = 1 << 0;
    /** AccessPartitionReferenceCounter: HV_X64_MSR_TIME_REF_COUNT 0x40000020. */
    public static final int ACCESS_PARTITION_REFERENCE_COUNTER = 1 << 1;
    /** AccessSynicRegs: the SynIC MSRs 0x40000080-0x4000009F. */
    public static final int ACCESS_SYNIC_REGS = 1 << 2;
    /** AccessSyntheticTimerRegs: HV_X64_MSR_STIMER0_CONFIG.. 0x400000B0-0x400000B7. */
    public static final int ACCESS_SYNTHETIC_TIMER_REGS = 1 << 3;
    /** AccessIntrCtrlRegs: the APIC access MSRs HV_X64_MSR_EOI/ICR/TPR 0x40000070-0x40000072. */
    public static final int ACCESS_APIC_MSRS = 1 << 4;
    /** AccessHypercallMsrs: HV_X64_MSR_GUEST_OS_ID 0x40000000 and HV_X64_MSR_HYPERCALL 0x40000001. */
    public static final int ACCESS_HYPERCALL_MSRS = 1 << 5;
    /** AccessVpIndex: HV_X64_MSR_VP_INDEX 0x40000002. */
    public static final int ACCESS_VP_INDEX = 1 << 6;
    /** AccessResetReg: HV_X64_MSR_RESET 0x40000003. */
    public static final int ACCESS_RESET_REG = 1 << 7;
    /** AccessPartitionReferenceTsc: HV_X64_MSR_REFERENCE_TSC 0x40000021. */
    public static final int ACCESS_PARTITION_REFERENCE_TSC = 1 << 9;
    /** AccessGuestIdleReg: HV_X64_MSR_GUEST_IDLE 0x400000F0. */
    public static final int ACCESS_GUEST_IDLE_REG = 1 << 10;
    /** AccessFrequencyRegs: HV_X64_MSR_TSC_FREQUENCY and APIC_FREQUENCY 0x40000022/0x40000023. */
    public static final int ACCESS_FREQUENCY_REGS = 1 << 11;
    /** AccessReenlightenmentControls: 0x40000106-0x40000108. */
    public static final int ACCESS_REENLIGHTENMENT = 1 << 13;
    /** AccessTscInvariantControls: HV_X64_MSR_TSC_INVARIANT_CONTROL 0x40000118. */
    public static final int ACCESS_TSC_INVARIANT_CONTROLS = 1 << 15;

    // 0x40000003.EBX (privileges: hypercalls), high half of the privilege mask
    public static final int CREATE_PARTITIONS = 1 << 0;
    public static final int ACCESS_PARTITION_ID = 1 << 1;
    public static final int POST_MESSAGES = 1 << 4;
    public static final int SIGNAL_EVENTS = 1 << 5;
    public static final int CPU_MANAGEMENT = 1 << 12;
    public static final int ISOLATION = 1 << 22;
    /**
     * Privileges no guest of this platform may be given: CreatePartitions, AccessPartitionId, CpuManagement,
     * Isolation. Linux 6.1 takes root-partition or isolated-VM paths (and BUG()s) with the last three.
     */
    public static final int FORBIDDEN_PRIVILEGES = CREATE_PARTITIONS | ACCESS_PARTITION_ID | CPU_MANAGEMENT | ISOLATION;

    // 0x40000004.EAX (recommendations), TLFS 2.4.5 "Hypervisor Recommendations"
    /** Use a hypercall for address space switches rather than MOV to CR3. */
    public static final int RECOMMEND_HYPERCALL_ADDRESS_SPACE_SWITCH = 1 << 0;
    /** Use a hypercall for local TLB flushes rather than INVLPG or MOV to CR3. */
    public static final int RECOMMEND_HYPERCALL_LOCAL_FLUSH = 1 << 1;
    /** Use a hypercall for remote TLB flushes rather than inter-processor interrupts. */
    public static final int RECOMMEND_HYPERCALL_REMOTE_FLUSH = 1 << 2;
    /** Use the MSRs 0x40000070-0x40000072 for EOI, ICR and TPR rather than the memory-mapped APIC. */
    public static final int RECOMMEND_APIC_MSRS = 1 << 3;
    /** Use HV_X64_MSR_RESET to reset the system. */
    public static final int RECOMMEND_RESET_MSR = 1 << 4;
    /** Relaxed timing: the guest should not apply watchdog timeouts (a virtual processor may not run for a while). */
    public static final int RECOMMEND_RELAXED_TIMING = 1 << 5;
    /** Use DMA remapping. */
    public static final int RECOMMEND_DMA_REMAPPING = 1 << 6;
    /** Use interrupt remapping. */
    public static final int RECOMMEND_INTERRUPT_REMAPPING = 1 << 7;
    /** Use the x2APIC MSRs. */
    public static final int RECOMMEND_X2APIC_MSRS = 1 << 8;
    /** Deprecating AutoEOI: do not use auto-EOI for SynIC vectors (neither backend here can auto-EOI). */
    public static final int RECOMMEND_DEPRECATING_AUTO_EOI = 1 << 9;
    /** Use HvCallSendSyntheticClusterIpi for IPIs. */
    public static final int RECOMMEND_SYNTHETIC_CLUSTER_IPI = 1 << 10;
    /** Use the "Ex" processor masks (sparse VP sets) in hypercalls. */
    public static final int RECOMMEND_EX_PROCESSOR_MASKS = 1 << 11;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    public GuestProfile {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new HypervisorException("guest pack name '" + name + "': lower case letters, digits and '-', "
                    + "at most 32 characters");
        }
        if ((privileges & FORBIDDEN_PRIVILEGES) != 0) {
            throw new HypervisorException(String.format(
                    "guest pack %s: privileges 0x%x ask for root or isolation bits (0x%x)", name, privileges,
                    privileges & FORBIDDEN_PRIVILEGES));
        }
        if (spinlockRetries == 0) {
            throw new HypervisorException("guest pack " + name + ": a spinlock retry count of 0 would make the guest "
                    + "notify on every contended lock; use a count, or 0xFFFFFFFF for never");
        }
    }

    /** Whether a guest given this profile notifies long spin waits (HvCallNotifyLongSpinWait, call code 0x0008). */
    public boolean notifiesSpinWaits() {
        return spinlockRetries != SPINLOCK_NEVER_NOTIFY;
    }
}
