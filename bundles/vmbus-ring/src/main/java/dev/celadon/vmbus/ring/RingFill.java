package dev.celadon.vmbus.ring;

/**
 * How full one ring is, from its shared header as it is now: the raw indices (both sides' as published in guest
 * memory) and the bytes between them. The header is guest-writable, so the indices are validated first; if one
 * is out of range or misaligned, {@code used} is -1 and {@code problem} says which. A snapshot for operators
 * (vmbus:channels), taken without the producer's or consumer's state, so it never disturbs either.
 *
 * @param dataSize      bytes in the data area
 * @param writeIndex    write_index as found (unsigned)
 * @param readIndex     read_index as found (unsigned)
 * @param used          bytes written and not yet read, or -1 if an index is invalid
 * @param interruptMask the consumer's interrupt_mask (nonzero: it is polling)
 * @param pendingSend   the producer's pending_send_sz (nonzero: it waits for that much space)
 * @param problem       why {@code used} is -1, else null
 */
public record RingFill(int dataSize, long writeIndex, long readIndex, int used, int interruptMask, int pendingSend,
                       String problem) {

    /** Whether both indices were valid. */
    public boolean valid() {
        return problem == null;
    }

    /** E.g. {@code 4096/126976} or {@code invalid: write_index 4294967288 is beyond ...}. */
    @Override
    public String toString() {
        return valid() ? used + "/" + dataSize : "invalid: " + problem;
    }
}
