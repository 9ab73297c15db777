package dev.celadon.hypervisor.api;

/**
 * One virtual processor of a partition. Register access is valid only on the processor's own thread, inside an
 * intercept handler; changes take effect when the handler returns.
 */
public interface VirtualProcessor {

    /** 0-based index; also the processor's APIC ID and its Hyper-V VP index. */
    int index();

    long register(Register register);

    void setRegister(Register register, long value);
}
