package dev.celadon.loopback;

/**
 * The host stopped the partition: thrown by {@link LoopbackVp} calls so a {@link LoopbackGuest} unwinds, as a
 * real processor simply stops executing. A program should let it propagate; it ends the processor normally.
 */
public final class VpStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VpStoppedException(String message) {
        super(message, null, false, false);
    }
}
