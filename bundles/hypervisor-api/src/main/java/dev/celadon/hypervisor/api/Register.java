package dev.celadon.hypervisor.api;

/**
 * The x86-64 registers an intercept handler may read or change: general registers (hypercall ABIs pass arguments
 * in them), RIP, RFLAGS, and the control registers and EFER that hypercalls and device emulation need to decode
 * guest state. Backends map these explicitly; the order here means nothing.
 */
public enum Register {
    RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP, R8, R9, R10, R11, R12, R13, R14, R15, RIP, RFLAGS,
    CR0, CR2, CR3, CR4, CR8, EFER;

    public boolean isGeneral() {
        return ordinal() <= R15.ordinal();
    }
}
