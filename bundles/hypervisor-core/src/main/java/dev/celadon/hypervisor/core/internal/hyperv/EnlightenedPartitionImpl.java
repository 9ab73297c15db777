package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.ReferenceTsc;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import dev.celadon.hypervisor.api.intercept.Registration;
import java.util.function.LongSupplier;

/**
 * A partition as enlightenments see it. Reference time comes from the guest's TSC through the same scale a TSC
 * page carries, so the counter MSR and the page can never disagree; where the backend cannot read the guest TSC
 * (KVM) it is host monotonic time since creation.
 */
final class EnlightenedPartitionImpl implements EnlightenedPartition {

    /** A guest's crash text is guest data shown on consoles: bounded and stripped of control characters. */
    static final int MAX_CRASH_TEXT = 8192;

    private final Partition partition;
    private final HvPartition hv;
    private final LongSupplier tsc;
    private final long tscHz;
    private final long apicHz;
    private final ReferenceTsc referenceTsc;
    private final long createdNanos = System.nanoTime();

    EnlightenedPartitionImpl(Partition partition, HvPartition hv, LongSupplier tsc, long tscHz, long apicHz) {
        this.partition = partition;
        this.hv = hv;
        this.tsc = tsc;
        this.tscHz = tscHz;
        this.apicHz = apicHz;
        this.referenceTsc = tscHz >= ReferenceTsc.REFERENCE_HZ ? ReferenceTsc.forFrequency(tscHz) : null;
    }

    @Override
    public Partition partition() {
        return partition;
    }

    @Override
    public int vpCount() {
        return partition.config().vpCount();
    }

    @Override
    public GuestMemory memory() {
        return partition.memory();
    }

    @Override
    public HvPartition hv() {
        return hv;
    }

    @Override
    public Registration msr(int firstMsr, int count, MsrHandler handler) {
        return partition.intercepts().msr(firstMsr, count, handler);
    }

    @Override
    public void deliver(int vpIndex, int vector) {
        partition.interrupts().deliver(vpIndex, vector, null);
    }

    @Override
    public long referenceTime() {
        long t = referenceTsc != null ? tsc.getAsLong() : -1;
        return t >= 0 ? referenceTsc.referenceTime(t) : (System.nanoTime() - createdNanos) / 100;
    }

    @Override
    public ReferenceTsc referenceTsc() {
        return referenceTsc;
    }

    @Override
    public long tscFrequencyHz() {
        return tscHz;
    }

    @Override
    public long apicTimerFrequencyHz() {
        return apicHz;
    }

    @Override
    public void reportCrash(String text) {
        partition.fail(sanitize(text));
    }

    static String sanitize(String text) {
        String t = text == null ? "guest crash (no text)" : text;
        StringBuilder b = new StringBuilder(Math.min(t.length(), MAX_CRASH_TEXT));
        for (int i = 0; i < t.length() && b.length() < MAX_CRASH_TEXT; i++) {
            char c = t.charAt(i);
            b.append(c == '\n' || c == '\t' || c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }
}
