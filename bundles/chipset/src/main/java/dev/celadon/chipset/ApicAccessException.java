package dev.celadon.chipset;

/**
 * A register access the architecture answers with #GP(0): a reserved or absent x2APIC MSR, a write to a read-only
 * one, reserved bits, an invalid IA32_APIC_BASE transition. Unchecked so the API stays simple, but callers that
 * execute RDMSR/WRMSR must catch it and inject #GP.
 */
public final class ApicAccessException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ApicAccessException(String message) {
        super(message);
    }
}
