package dev.celadon.hypervisor.api;

/**
 * One interrupt input of a partition's interrupt controller, handed to a device once when it is attached, so the
 * device never needs to know pin numbers (Cloud Hypervisor's interrupt objects). After the partition has ended,
 * every call is a no-op: a device thread racing a stop cannot raise an interrupt on a closed VM.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface InterruptLine {

    void assertLine();

    void deassertLine();

    /** An edge: assert then deassert (ISA devices such as COM1 are edge-triggered). */
    default void pulse() {
        assertLine();
        deassertLine();
    }
}
