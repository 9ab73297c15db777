package dev.celadon.hypervisor.api.intercept;

/**
 * Where devices claim guest accesses. Ranges may not overlap an existing claim (the call fails with a
 * {@link dev.celadon.hypervisor.api.HypervisorException} naming the holder). Accesses nobody claims behave as
 * on an empty PC bus: port reads return all ones, writes are dropped, unclaimed MSRs raise #GP.
 */
@org.osgi.annotation.versioning.ProviderType
public interface InterceptRegistry {

    Registration portIo(int firstPort, int count, PortIoHandler handler);

    Registration mmio(long base, long length, MmioHandler handler);

    Registration msr(int firstMsr, int count, MsrHandler handler);

    Registration cpuid(CpuidHandler handler);

    /**
     * Claims a hypercall code (bits 15:0 of the control word). Codes nobody claims return
     * HV_STATUS_INVALID_HYPERCALL_CODE.
     */
    Registration hypercall(int callCode, HypercallHandler handler);
}
