package dev.celadon.chipset;

/**
 * The 64-bit IOAPIC redirection table entry (82093AA datasheet 3.2.4; ICH IOAPIC):
 *
 * <pre>
 * 7:0 vector   10:8 delivery mode   11 destination mode (1 = logical)   12 delivery status (RO)
 * 13 polarity (1 = active low)   14 remote IRR (RO)   15 trigger mode (1 = level)   16 mask   63:56 destination
 * </pre>
 */
public final class RedirectionEntry {
    private RedirectionEntry() {
    }

    public static final long VECTOR = 0xFF;
    public static final int DELIVERY_MODE_SHIFT = 8;
    public static final long LOGICAL = 1L << 11;
    public static final long DELIVERY_STATUS = 1L << 12;
    public static final long ACTIVE_LOW = 1L << 13;
    public static final long REMOTE_IRR = 1L << 14;
    public static final long LEVEL = 1L << 15;
    public static final long MASKED = 1L << 16;
    public static final int DESTINATION_SHIFT = 56;

    /** Bits software may write; delivery status and remote IRR are the IOAPIC's. */
    static final long WRITABLE = VECTOR | 7L << DELIVERY_MODE_SHIFT | LOGICAL | ACTIVE_LOW | LEVEL | MASKED
            | 0xFFL << DESTINATION_SHIFT;
    /** Reset: masked, everything else 0. */
    static final long RESET = MASKED;

    static boolean masked(long e) {
        return (e & MASKED) != 0;
    }

    static boolean level(long e) {
        return (e & LEVEL) != 0;
    }

    static DeliveryMode mode(long e) {
        return DeliveryMode.of((int) (e >>> DELIVERY_MODE_SHIFT));
    }

    /** Remote IRR only has a meaning for interrupts that end with an EOI. */
    static boolean usesRemoteIrr(long e) {
        DeliveryMode m = mode(e);
        return level(e) && (m == DeliveryMode.FIXED || m == DeliveryMode.LOWEST_PRIORITY);
    }

    static InterruptMessage message(long e) {
        DeliveryMode m = mode(e);
        if (m == null || m == DeliveryMode.STARTUP) {
            return null; // reserved in a redirection entry
        }
        return new InterruptMessage(m, (int) (e & VECTOR), level(e), (e & LOGICAL) != 0,
                (e >>> DESTINATION_SHIFT) & 0xFF, false);
    }
}
