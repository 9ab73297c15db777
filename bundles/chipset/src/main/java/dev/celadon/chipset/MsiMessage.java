package dev.celadon.chipset;

/**
 * A message-signalled interrupt as a device writes it (SDM vol. 3 10.11): a 32-bit write of {@code data} to
 * {@code address} in 0xFEExxxxx.
 *
 * <pre>
 * address  31:20 0xFEE   19:12 destination ID   3 redirection hint   2 destination mode (1 = logical)
 * data     7:0 vector    10:8 delivery mode     14 level (1 = assert) 15 trigger mode (1 = level)
 * </pre>
 */
public record MsiMessage(int destinationId, boolean redirectionHint, boolean logical, int vector,
                         DeliveryMode mode, boolean assertLevel, boolean levelTriggered) {

    public static final long ADDRESS_BASE = 0xFEE0_0000L;
    static final long ADDRESS_MASK = 0xFFF0_0000L;
    public static final int ADDRESS_DEST_SHIFT = 12;
    public static final int ADDRESS_RH = 1 << 3;
    public static final int ADDRESS_LOGICAL = 1 << 2;
    public static final int DATA_DM_SHIFT = 8;
    public static final int DATA_ASSERT = 1 << 14;
    public static final int DATA_LEVEL = 1 << 15;

    public MsiMessage {
        if (destinationId < 0 || destinationId > 0xFF || vector < 0 || vector > 0xFF || mode == null) {
            throw new IllegalArgumentException("bad MSI fields");
        }
    }

    /**
     * Decodes an MSI write.
     *
     * @throws IllegalArgumentException if the address is outside 0xFEExxxxx (above 4 GiB included) or the delivery
     *                                  mode is reserved or not one an MSI may carry (STARTUP)
     */
    public static MsiMessage decode(long address, int data) {
        if ((address & ~0xFFFF_FFFFL) != 0 || (address & ADDRESS_MASK) != ADDRESS_BASE) {
            throw new IllegalArgumentException(String.format("MSI address 0x%x is not in 0xFEExxxxx", address));
        }
        DeliveryMode mode = DeliveryMode.of(data >>> DATA_DM_SHIFT);
        if (mode == null || mode == DeliveryMode.STARTUP) {
            throw new IllegalArgumentException(String.format("MSI data 0x%x: delivery mode %d is reserved",
                    data, (data >>> DATA_DM_SHIFT) & 7));
        }
        return new MsiMessage((int) (address >>> ADDRESS_DEST_SHIFT) & 0xFF, (address & ADDRESS_RH) != 0,
                (address & ADDRESS_LOGICAL) != 0, data & 0xFF, mode, (data & DATA_ASSERT) != 0,
                (data & DATA_LEVEL) != 0);
    }

    public long address() {
        return ADDRESS_BASE | (long) destinationId << ADDRESS_DEST_SHIFT | (redirectionHint ? ADDRESS_RH : 0)
                | (logical ? ADDRESS_LOGICAL : 0);
    }

    public int data() {
        return vector | mode.bits() << DATA_DM_SHIFT | (assertLevel ? DATA_ASSERT : 0) | (levelTriggered ? DATA_LEVEL : 0);
    }

    /**
     * The bus message. A redirection hint makes the delivery lowest-priority among the destinations (SDM 10.11.1:
     * RH = 1 lets the chipset redirect to the lowest-priority processor of the set).
     */
    public InterruptMessage toInterruptMessage() {
        DeliveryMode m = redirectionHint && mode == DeliveryMode.FIXED ? DeliveryMode.LOWEST_PRIORITY : mode;
        return new InterruptMessage(m, vector, levelTriggered, logical, destinationId, false);
    }
}
