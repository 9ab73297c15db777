package dev.celadon.vmbus.ring;

import dev.celadon.vmbus.VmPacket;

/**
 * What {@link RingBuffer#read} found: the next packet, or none, and whether the writer must now be signalled
 * because this read freed the space it asked for with pending_send_sz.
 */
public record ReadResult(VmPacket packet, boolean signalWriter) {
    public static final ReadResult EMPTY = new ReadResult(null, false);

    public boolean isEmpty() {
        return packet == null;
    }
}
