package dev.celadon.vmbus.ring;

/** What {@link RingBuffer#write} did, and whether the reader must now be signalled. */
public enum WriteResult {
    /** Not enough free space: nothing was written. */
    FULL,
    /** Written; the reader has interrupts masked or had unread packets, so it will find this one. */
    WRITTEN,
    /** Written into a ring the reader had emptied, with its interrupts unmasked: signal it. */
    WRITTEN_SIGNAL;

    public boolean written() {
        return this != FULL;
    }

    public boolean signalReader() {
        return this == WRITTEN_SIGNAL;
    }
}
