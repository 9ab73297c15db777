package dev.celadon.hypervisor.api.intercept;

/** Thrown by an MSR handler to make the guest's RDMSR/WRMSR take #GP, as real hardware does for a bad MSR. */
public class GeneralProtectionFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GeneralProtectionFault(String why) {
        super(why, null, false, false);
    }
}
