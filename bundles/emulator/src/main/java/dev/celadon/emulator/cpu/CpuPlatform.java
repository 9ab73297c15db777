package dev.celadon.emulator.cpu;

import dev.celadon.hypervisor.api.intercept.CpuidResult;

/**
 * Everything outside the core that one virtual processor touches. All methods are called on the thread that
 * runs the {@link Cpu}. An exception other than {@link dev.celadon.hypervisor.api.intercept.GeneralProtectionFault}
 * (where documented) ends {@link Cpu#run()} with {@link ExitReason#SHUTDOWN} and the exception in
 * {@link Cpu#failure()}.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface CpuPlatform {
    /** IN from a port; {@code size} is 1, 2 or 4; the low {@code size} bytes of the result are used. */
    int in(int port, int size);

    /** OUT to a port; {@code size} is 1, 2 or 4 and {@code value} holds only that many bytes. */
    void out(int port, int size, int value);

    /**
     * A load from a guest-physical address that is not RAM (LAPIC, IOAPIC, device registers, or nothing: then
     * return all ones, as an open bus does). {@code size} is 1, 2, 4 or 8 and never crosses a 4 KiB page.
     */
    long mmioRead(long physAddr, int size);

    /** A store to a guest-physical address that is not RAM; ignore it if nothing is there. */
    void mmioWrite(long physAddr, int size, long value);

    /**
     * RDMSR of an MSR the CPU does not implement itself (see the README's list).
     *
     * @throws dev.celadon.hypervisor.api.intercept.GeneralProtectionFault to make the guest take #GP(0)
     */
    long rdmsr(int msr);

    /**
     * WRMSR of an MSR the CPU does not implement itself.
     *
     * @throws dev.celadon.hypervisor.api.intercept.GeneralProtectionFault to make the guest take #GP(0)
     */
    void wrmsr(int msr, long value);

    /** CPUID: the whole answer, composed by the platform (advertise only what the README says the CPU implements). */
    CpuidResult cpuid(int leaf, int subleaf);

    /**
     * VMCALL or VMMCALL: read and write the registers through {@code cpu}; RIP advances past the instruction
     * afterwards (unless the platform changed it with {@link Cpu#setRip(long)}).
     */
    void hypercall(Cpu cpu);

    /** The virtual time-stamp counter now (RDTSC, RDTSCP, MSR 0x10 reads). */
    long tsc();

    /** A WRMSR to IA32_TIME_STAMP_COUNTER: the platform may move this processor's TSC. The default ignores it. */
    default void setTsc(long value) {
    }

    /**
     * The interrupt acknowledge cycle: the local APIC's highest deliverable vector, now moved to in-service,
     * or -1 if none. Called only when the CPU will deliver the vector at once (IF = 1, no interrupt shadow).
     */
    int acknowledgeInterrupt();

    /** CR8 reads: the local APIC's task priority (TPR bits 7:4), 0..15. */
    int cr8();

    /** CR8 writes: 0..15. */
    void setCr8(int value);

    /**
     * The CPU met an instruction it does not implement and raised #UD in the guest. Told once per distinct RIP;
     * {@code bytes} are up to 15 bytes from RIP (fewer when the fetch stopped at an unreadable page).
     */
    void unimplemented(long rip, byte[] bytes);
}
