package dev.celadon.chipset;

/**
 * What the local APIC asks of its processor, implemented by the backend for each virtual processor. Every method is
 * called with no chipset lock held, possibly from another vCPU's or a device's thread, and must not block.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface ProcessorControl {

    /**
     * An interrupt became deliverable (accepted, TPR lowered, EOI exposed one, timer fired). Wake the processor if it
     * halts, or make it look at {@link LocalApic#hasDeliverable()} before its next instruction. Called once per
     * change, not once per interrupt taken.
     */
    void interruptPending();

    /** An NMI arrived (ICR, IOAPIC, MSI or LINT). */
    void nmi();

    /** An INIT arrived; the local APIC has already done its INIT reset. The processor enters wait-for-SIPI. */
    void init();

    /** A STARTUP IPI with {@code vector}: a processor waiting for SIPI starts in real mode at vector * 0x1000. */
    void startup(int vector);
}
