package dev.celadon.hypervisor.api;

/** The x86-64 registers an intercept handler may read or change (hypercall ABIs pass arguments in them). */
public enum Register {
    RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP, R8, R9, R10, R11, R12, R13, R14, R15, RIP, RFLAGS
}
