package dev.celadon.enlightenment.crash.internal;

import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import dev.celadon.hypervisor.api.intercept.Registration;

/**
 * The guest crash MSRs of one partition (partition-wide): HV_X64_MSR_CRASH_P0..P4 (0x40000100-0x40000104, read
 * and write) and HV_X64_MSR_CRASH_CTL (0x40000105). CTL reads as the capabilities, CRASH_NOTIFY (bit 63) and
 * CRASH_NOTIFY_MSG (bit 62); a write with bit 63 reports the crash (once) and fails the partition; other bits #GP.
 */
final class CrashMsrs implements MsrHandler, EnlightenmentInstance {

    static final int P0 = 0x40000100, CTL = 0x40000105;
    static final long CRASH_NOTIFY = 1L << 63, CRASH_NOTIFY_MSG = 1L << 62;

    private final EnlightenedPartition partition;
    private final Registration registration;
    private final long[] parameters = new long[5]; // guarded by this
    private boolean reported; // guarded by this

    CrashMsrs(EnlightenedPartition partition) {
        this.partition = partition;
        this.registration = partition.msr(P0, 6, this);
    }

    @Override
    public synchronized long read(VirtualProcessor vp, int msr) {
        if (msr == CTL) {
            return CRASH_NOTIFY | CRASH_NOTIFY_MSG;
        }
        return parameters[index(msr)];
    }

    @Override
    public void write(VirtualProcessor vp, int msr, long value) {
        CrashReport report;
        synchronized (this) {
            if (msr != CTL) {
                parameters[index(msr)] = value;
                return;
            }
            if ((value & ~(CRASH_NOTIFY | CRASH_NOTIFY_MSG)) != 0) {
                throw new GeneralProtectionFault(String.format("wrmsr HV_X64_MSR_CRASH_CTL <- 0x%x: reserved bits", value));
            }
            if ((value & CRASH_NOTIFY) == 0 || reported) {
                return; // Linux 6.1 may notify twice (kmsg dump, then the panic notifier): the first one counts
            }
            reported = true;
            report = new CrashReport(parameters, (value & CRASH_NOTIFY_MSG) != 0);
        }
        // Read the message and fail the partition outside the lock; this is the reporting VP's own thread.
        partition.reportCrash(report.describe(partition.memory()));
    }

    private static int index(int msr) {
        int i = msr - P0;
        if (i < 0 || i > 4) {
            throw new GeneralProtectionFault(String.format("0x%x: not a crash MSR", msr));
        }
        return i;
    }

    @Override
    public void close() {
        registration.close();
    }
}
