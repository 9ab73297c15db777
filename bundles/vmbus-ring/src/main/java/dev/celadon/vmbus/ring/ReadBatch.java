package dev.celadon.vmbus.ring;

/** What {@link RingBuffer#readBatch} did: packets taken, and whether the writer must now be signalled. */
public record ReadBatch(int packets, boolean signalWriter) {
}
