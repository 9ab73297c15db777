package dev.celadon.hypervisor.api;

/**
 * How devices and enlightenments interrupt the guest. Devices take {@link InterruptLine} objects once, at attach
 * time; the SynIC delivers vectors to processors directly.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface InterruptController {

    /** The interrupt hardware the guest has; the ACPI MADT is built from it. */
    InterruptTopology topology();

    /**
     * The input {@code gsi} of the IOAPIC, as an object for one device to keep.
     *
     * @throws HypervisorException if the partition has no such GSI
     */
    InterruptLine line(int gsi);

    /** Delivers a message-signalled interrupt (address and data as written by an x86 MSI). */
    void signalMsi(long address, int data);

    /**
     * Delivers fixed interrupt {@code vector} to processor {@code vpIndex}. If {@code onEoi} is not null and
     * {@link #notifiesEoi()}, it runs when the guest signals end of interrupt for it (SynIC's pending-message
     * protocol needs this).
     */
    void deliver(int vpIndex, int vector, Runnable onEoi);

    /** Whether {@link #deliver} can report the guest's EOI (the emulator's LAPIC can; KVM's in-kernel one cannot). */
    boolean notifiesEoi();
}
