package dev.celadon.chipset;

/** The 3-bit delivery mode of ICR, LVT entries, IOAPIC redirection entries and MSI data (SDM vol. 3 10.6.1). */
public enum DeliveryMode {
    FIXED(0b000),
    LOWEST_PRIORITY(0b001),
    SMI(0b010),
    NMI(0b100),
    INIT(0b101),
    STARTUP(0b110),
    EXTINT(0b111);

    private final int bits;

    DeliveryMode(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /** The mode encoded by {@code bits} (0-7), or null for the reserved encoding 011. */
    public static DeliveryMode of(int bits) {
        for (DeliveryMode m : values()) {
            if (m.bits == (bits & 7)) {
                return m;
            }
        }
        return null;
    }
}
