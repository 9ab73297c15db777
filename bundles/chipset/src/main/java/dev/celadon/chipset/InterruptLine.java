package dev.celadon.chipset;

/**
 * One interrupt input of the IOAPIC, handed to a device so it never deals in pin numbers. "Assert" is the device
 * requesting service; the wire polarity is the board's business (see {@link IoApic#wireActiveLow}).
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
