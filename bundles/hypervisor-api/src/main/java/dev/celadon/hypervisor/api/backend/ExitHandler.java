package dev.celadon.hypervisor.api.backend;

import dev.celadon.hypervisor.api.VirtualProcessor;

/**
 * The core's side of a backend partition: every guest exit a backend cannot finish itself comes here, on the
 * exiting processor's thread. Accesses to the PC platform devices the backend emulates in the kernel
 * (PIC, PIT, IOAPIC, LAPIC) do not.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ExitHandler {

    int portRead(VirtualProcessor vp, int port, int size);

    void portWrite(VirtualProcessor vp, int port, int size, int value);

    long mmioRead(VirtualProcessor vp, long address, int size);

    void mmioWrite(VirtualProcessor vp, long address, int size, long value);

    /** @throws dev.celadon.hypervisor.api.intercept.GeneralProtectionFault to inject #GP */
    long msrRead(VirtualProcessor vp, int msr);

    /** @throws dev.celadon.hypervisor.api.intercept.GeneralProtectionFault to inject #GP */
    void msrWrite(VirtualProcessor vp, int msr, long value);

    /**
     * The guest executed this backend's {@link BackendPartition#hypercallSequence()}: the core reads the call from
     * the processor's registers (Hyper-V convention) and writes the result to RAX. RIP is already past it.
     */
    void hypercall(VirtualProcessor vp);

    /**
     * A processor stopped running for good. {@code failure} is null after a requested stop, else a reason
     * operators can act on (an emulation failure with RIP and instruction bytes, a triple fault, ...).
     */
    void vpExited(VirtualProcessor vp, String failure);
}
