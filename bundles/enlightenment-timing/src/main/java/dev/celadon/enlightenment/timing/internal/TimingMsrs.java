package dev.celadon.enlightenment.timing.internal;

import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.enlightenment.ReferenceTsc;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import dev.celadon.hypervisor.api.intercept.Registration;

/**
 * The timing MSRs of one partition, all partition-wide: HV_X64_MSR_TIME_REF_COUNT (0x40000020, read-only, 100 ns
 * since the partition started), HV_X64_MSR_REFERENCE_TSC (0x40000021: bit 0 enable, bits 11:1 reserved, 63:12 the
 * GPA of the page the host fills), HV_X64_MSR_TSC_FREQUENCY (0x40000022) and HV_X64_MSR_APIC_FREQUENCY
 * (0x40000023), both read-only. The page is ordinary guest RAM the guest chose (Linux: a .bss page), not an
 * overlay; disabling leaves its bytes as they are.
 */
final class TimingMsrs implements MsrHandler, EnlightenmentInstance {

    static final int TIME_REF_COUNT = 0x40000020, REFERENCE_TSC = 0x40000021, TSC_FREQUENCY = 0x40000022,
            APIC_FREQUENCY = 0x40000023;
    static final long ENABLE = 1, RESERVED = 0xFFEL;

    private final EnlightenedPartition partition;
    private final ReferenceTsc referenceTsc;
    private final Registration registration;
    private long referenceTscMsr; // guarded by this
    private int sequence; // guarded by this

    TimingMsrs(EnlightenedPartition partition) {
        this.partition = partition;
        this.referenceTsc = partition.referenceTsc();
        this.registration = partition.msr(TIME_REF_COUNT, 4, this);
    }

    @Override
    public long read(VirtualProcessor vp, int msr) {
        return switch (msr) {
            case TIME_REF_COUNT -> partition.referenceTime();
            case REFERENCE_TSC -> referenceTscMsr();
            case TSC_FREQUENCY -> partition.tscFrequencyHz();
            case APIC_FREQUENCY -> partition.apicTimerFrequencyHz();
            default -> throw new GeneralProtectionFault(String.format("rdmsr 0x%x: not a timing MSR", msr));
        };
    }

    @Override
    public void write(VirtualProcessor vp, int msr, long value) {
        if (msr != REFERENCE_TSC) {
            throw new GeneralProtectionFault(String.format("wrmsr 0x%x <- 0x%x: read-only", msr, value));
        }
        if ((value & RESERVED) != 0) {
            throw new GeneralProtectionFault(String.format("wrmsr HV_X64_MSR_REFERENCE_TSC <- 0x%x: reserved bits", value));
        }
        long gpa = value & ~0xFFFL;
        if ((value & ENABLE) != 0 && !partition.memory().isRam(gpa, ReferenceTscPage.SIZE)) {
            throw new GeneralProtectionFault(String.format("reference TSC page 0x%x is not partition RAM", gpa));
        }
        synchronized (this) {
            if ((value & ENABLE) != 0) {
                sequence = ReferenceTscPage.next(sequence);
                ReferenceTscPage.publish(partition.memory(), gpa, referenceTsc, sequence);
            }
            referenceTscMsr = value;
        }
    }

    synchronized long referenceTscMsr() {
        return referenceTscMsr;
    }

    @Override
    public void close() {
        registration.close();
    }
}
