package dev.celadon.hypervisor.api.enlightenment;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import dev.celadon.hypervisor.api.intercept.Registration;
import org.osgi.annotation.versioning.ProviderType;

/** What the core gives an enlightenment about the partition it attaches to. */
@ProviderType
public interface EnlightenedPartition {

    Partition partition();

    int vpCount();

    GuestMemory memory();

    /** The partition's Hyper-V layer (SynIC posts and events). */
    HvPartition hv();

    /** Claims RDMSR/WRMSR of {@code count} MSRs from {@code firstMsr} on every processor of the partition. */
    Registration msr(int firstMsr, int count, MsrHandler handler);

    /** Delivers fixed interrupt {@code vector} to processor {@code vpIndex} (a no-op once the partition ended). */
    void deliver(int vpIndex, int vector);

    /**
     * The partition reference time: 100 ns units since the partition was created, computed from the guest's TSC
     * with {@link #referenceTsc()} where the backend can read it, so the counter MSR and a TSC page agree.
     */
    long referenceTime();

    /** The scale and offset that turn this partition's TSC into its reference time; null if the TSC rate is unknown. */
    ReferenceTsc referenceTsc();

    /** The guest TSC's rate in Hz, 0 if the backend does not know it. */
    long tscFrequencyHz();

    /** The local APIC timer's input clock in Hz (before its divider), 0 if the backend does not know it. */
    long apicTimerFrequencyHz();

    /**
     * The guest reported a crash: the partition ends as FAILED with {@code text} in its failure reason (what
     * management shows as the VM's failure). Safe on the reporting processor's own thread.
     */
    void reportCrash(String text);
}
