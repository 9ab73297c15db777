package dev.celadon.loopback;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One virtual processor of a loopback partition, as its {@link LoopbackGuest} sees it: the instructions a guest
 * kernel uses to talk to the hypervisor. Every call goes where the same instruction would go on the other
 * backends: MSR accesses and hypercalls to the core's intercepts (the Hyper-V layer, devices), CPUID to the
 * table the core composed at start, interrupts from the backend's local APIC.
 *
 * <p>Valid only on the processor's own thread, inside {@link LoopbackGuest#run} (registers are thread-confined,
 * as on a CPU); another thread gets {@link IllegalStateException}. Once the host asks the partition to stop,
 * every call throws {@link VpStoppedException}.
 */
@ProviderType
public interface LoopbackVp {

    /** The VP index (also the APIC ID and the Hyper-V VP index). */
    int index();

    /** Processors in the partition. */
    int vpCount();

    /** The partition's RAM, the same memory devices see (guest-physical addresses). */
    GuestMemory memory();

    /** CPUID: the table composed for this processor when the partition started (zero for absent leaves). */
    CpuidResult cpuid(int leaf, int subleaf);

    /**
     * RDMSR through the core's intercepts (synthetic Hyper-V MSRs, SynIC, devices' MSRs).
     *
     * @throws dev.celadon.hypervisor.api.intercept.GeneralProtectionFault where hardware would raise #GP
     */
    long rdmsr(int msr);

    /**
     * WRMSR through the core's intercepts; IA32_X2APIC_EOI (0x80B) is this processor's local APIC, as on x2APIC
     * hardware.
     *
     * @throws dev.celadon.hypervisor.api.intercept.GeneralProtectionFault where hardware would raise #GP
     */
    void wrmsr(int msr, long value);

    /**
     * A hypercall in the Hyper-V x64 convention (RCX control, RDX input GPA or fast value, R8 output GPA or fast
     * value), as a call into the hypercall page would make it, from 64-bit mode at CPL 0.
     *
     * @return RAX: the status in bits 15:0, reps completed in bits 43:32
     */
    long hypercall(long control, long input, long output);

    /**
     * "sti; hlt": waits up to {@code timeout} for a fixed interrupt above the in-service priority, acknowledges it
     * (moves it to in-service) and returns its vector; -1 if none came in time.
     */
    int awaitInterrupt(Duration timeout);

    /** The highest deliverable pending vector, acknowledged, or -1 at once if there is none. */
    int pollInterrupt();

    /** End of interrupt for the highest in-service vector (what writing the APIC's EOI register does). */
    void eoi();

    /** Whether the host has asked this processor to stop (the next call would throw {@link VpStoppedException}). */
    boolean stopRequested();
}
