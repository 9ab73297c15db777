package dev.celadon.vmbus.ring;

import dev.celadon.vmbus.VmbusProtocolException;

/**
 * The other end of a ring broke its rules. The channel cannot be trusted any more: close it and log
 * {@link #getMessage()}. {@link #violation()} says which rule, for callers and tests that need to tell them apart.
 */
public final class RingBufferException extends VmbusProtocolException {
    private static final long serialVersionUID = 1L;

    /** Which rule was broken. */
    public enum Violation {
        /** The ring's pages are not a 4 KiB header page followed by at least one data page. */
        LAYOUT,
        /** write_index or read_index is at or beyond the data size. */
        INDEX_OUT_OF_RANGE,
        /** write_index or read_index is not a multiple of 8 (every packet and trailer is). */
        INDEX_MISALIGNED,
        /** The other end's index went backwards, or the reader's went past the writer's. */
        INDEX_REWOUND,
        /** Fewer bytes were published than a descriptor and its trailer. */
        TRUNCATED_PACKET,
        /** len8 is shorter than the 16-byte descriptor. */
        LENGTH_TOO_SHORT,
        /** offset8 puts the data inside the descriptor or beyond len8. */
        BAD_OFFSET,
        /** len8 (plus the trailer) is longer than what the writer published. */
        PACKET_PAST_WRITE_INDEX
    }

    private final Violation violation;

    public RingBufferException(Violation violation, String reason) {
        super(reason);
        this.violation = violation;
    }

    public Violation violation() {
        return violation;
    }
}
