package dev.celadon.hypervisor.api.intercept;

import dev.celadon.hypervisor.api.VirtualProcessor;

/**
 * Handles one Hyper-V hypercall code (TLFS: RCX = control word with the call code in bits 15:0, the fast flag in
 * bit 16 and rep fields; RDX = input GPA or first fast argument; R8 = output GPA or second). Called on the VP's
 * thread. Every guest-supplied value must be validated.
 */
@FunctionalInterface
@org.osgi.annotation.versioning.ConsumerType
public interface HypercallHandler {

    /** Status codes of the TLFS used by the core itself. */
    long HV_STATUS_SUCCESS = 0;
    long HV_STATUS_INVALID_HYPERCALL_CODE = 2;
    long HV_STATUS_INVALID_HYPERCALL_INPUT = 3;
    long HV_STATUS_INVALID_ALIGNMENT = 4;
    long HV_STATUS_INVALID_PARAMETER = 5;

    /** @return the hypercall result value for RAX (status in bits 15:0, reps completed in bits 43:32) */
    long call(VirtualProcessor vp, long control, long input, long output);
}
