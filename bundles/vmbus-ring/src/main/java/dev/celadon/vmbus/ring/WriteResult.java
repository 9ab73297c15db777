package dev.celadon.vmbus.ring;

/** What {@link RingBuffer#write} did, and whether the reader must now be signalled. */
public enum WriteResult {
    /** Not enough free space: nothing was written. */
    FULL,
    /** Written; the reader is polling (interrupts masked) or, by its {@link SignalPolicy}, will find it anyway. */
    WRITTEN,
    /** Written, and the reader's interrupts are unmasked (and, by its policy, it had emptied the ring): signal it. */
    WRITTEN_SIGNAL;

    public boolean written() {
        return this != FULL;
    }

    public boolean signalReader() {
        return this == WRITTEN_SIGNAL;
    }
}
