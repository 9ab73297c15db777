package dev.celadon.hypervisor.api;

/** How devices interrupt the guest: lines of the partition's IOAPIC (GSIs) and message-signalled interrupts. */
public interface InterruptController {

    /** Sets a GSI line's level. ISA devices (COM1 on GSI 4) are edge-triggered: raise then lower. */
    void setIrqLine(int gsi, boolean asserted);

    default void pulseIrq(int gsi) {
        setIrqLine(gsi, true);
        setIrqLine(gsi, false);
    }

    /** Delivers a message-signalled interrupt (address and data as written by an x86 MSI). */
    void signalMsi(long address, int data);
}
