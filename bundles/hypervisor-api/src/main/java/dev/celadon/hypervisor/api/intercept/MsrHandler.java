package dev.celadon.hypervisor.api.intercept;

import dev.celadon.hypervisor.api.VirtualProcessor;

/**
 * Handles RDMSR/WRMSR of the MSRs it registered for (synthetic Hyper-V MSRs, ...). Called on the VP's thread.
 * Throw {@link GeneralProtectionFault} to reject an access.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface MsrHandler {

    long read(VirtualProcessor vp, int msr);

    void write(VirtualProcessor vp, int msr, long value);
}
