package dev.celadon.hypervisor.api.backend;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.InterruptController;
import dev.celadon.hypervisor.api.VirtualProcessor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A partition as a backend runs it: memory, processors (one thread each) and the interrupt chips. It is torn down
 * in phases, driven by the core: {@link #stopProcessors()}, then the core closes the partition's devices, then
 * {@link #close()} releases memory and descriptors.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface BackendPartition extends AutoCloseable {

    GuestMemory memory();

    InterruptController interrupts();

    int vpCount();

    VirtualProcessor vp(int index);

    /** The CPU model this backend presents to processor {@code vpIndex} before any {@code CpuidHandler}. */
    List<CpuidEntry> baseCpuid(int vpIndex);

    /**
     * The instructions a guest executes to make a hypercall on this backend, with the Hyper-V register convention
     * (RCX control, RDX input, R8 output, result in RAX); the hypercall page is this followed by RET. The
     * emulator uses VMCALL; KVM a port write it intercepts. Either way the core's
     * {@link ExitHandler#hypercall} is called with the processor.
     */
    byte[] hypercallSequence();

    /**
     * Sets each processor's CPUID table and starts one thread per processor. The boot processor (index 0)
     * begins in {@code boot}; the others wait for INIT/SIPI from the guest, as on a PC.
     */
    void start(BootState boot, List<List<CpuidEntry>> cpuidPerVp);

    /** Asks every processor to stop, without waiting. Safe from any thread, including a VP's own. */
    void requestStop();

    /**
     * Phase 1 of teardown: stops and joins every processor thread. After it returns no guest instruction runs and
     * no exit handler is called. Idempotent; never called from a VP's own thread.
     */
    void stopProcessors();

    /**
     * Phase 3 of teardown (after the core has closed the devices): stops processors if still running, makes
     * interrupt lines no-ops, closes descriptors and unmaps guest memory. Idempotent.
     */
    @Override
    void close();

    Map<String, String> info();

    /** The guest TSC's rate in Hz (constant), or 0 if this backend does not know it. */
    default long tscFrequencyHz() {
        return 0;
    }

    /** The local APIC timer's input clock in Hz before its divider, or 0 if this backend does not know it. */
    default long apicTimerFrequencyHz() {
        return 0;
    }

    /**
     * The TSC every processor of this partition would read now (counting from 0 at creation), or -1 where the host
     * cannot read the guest's TSC. Safe from any thread.
     */
    default long readTsc() {
        return -1;
    }

    /**
     * The processors' local APICs as the Hyper-V APIC access MSRs (HV_X64_MSR_EOI, ICR, TPR) reach them, or empty
     * where the host cannot reach them from an MSR exit (KVM's in-kernel LAPIC: only KVM's own Hyper-V support
     * could). Empty means the core does not advertise those MSRs.
     */
    default Optional<LocalApicAccess> localApic() {
        return Optional.empty();
    }
}
