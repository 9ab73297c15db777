package dev.celadon.chipset;

/**
 * An interrupt message on the APIC bus, whoever sent it (ICR, IOAPIC redirection entry, MSI).
 *
 * @param mode           delivery mode
 * @param vector         vector (for STARTUP: the page number of the start address)
 * @param levelTriggered trigger mode; level-triggered fixed interrupts set TMR and broadcast their EOI
 * @param logical        destination mode: logical (LDR/DFR match) or physical (APIC ID)
 * @param destination    8-bit xAPIC destination, or 32-bit when {@code x2apicFormat}
 * @param x2apicFormat   a 32-bit destination from an x2APIC ICR (broadcast 0xFFFFFFFF) rather than 8 bits
 *                       (broadcast 0xFF)
 */
public record InterruptMessage(DeliveryMode mode, int vector, boolean levelTriggered, boolean logical,
                               long destination, boolean x2apicFormat) {

    public InterruptMessage {
        if (mode == null) {
            throw new IllegalArgumentException("no delivery mode");
        }
        if (vector < 0 || vector > 0xFF) {
            throw new IllegalArgumentException("vector " + vector);
        }
        destination &= x2apicFormat ? 0xFFFF_FFFFL : 0xFFL;
    }

    /** A fixed, edge-triggered interrupt to one APIC ID, physical mode. */
    public static InterruptMessage fixed(int apicId, int vector) {
        return new InterruptMessage(DeliveryMode.FIXED, vector, false, false, apicId, apicId > 0xFE);
    }

    /** All-ones destination: every APIC, physical or logical. */
    public boolean broadcast() {
        return destination == (x2apicFormat ? 0xFFFF_FFFFL : 0xFFL);
    }
}
