package dev.celadon.emulator.cpu;

/** Why {@link Cpu#run()} returned. */
public enum ExitReason {
    /** HLT executed; RIP is past it. Call {@code run()} again when an interrupt is to wake the processor. */
    HALT,
    /** {@link Cpu#requestAttention()} was called; the processor stopped at an instruction boundary. */
    ATTENTION,
    /** A fault while delivering a double fault: the processor is dead until reset. {@link Cpu#failure()} says why. */
    TRIPLE_FAULT,
    /**
     * The processor cannot go on for a reason outside the architecture (execution from a physical address that
     * is not RAM, an internal error of the emulator). {@link Cpu#failure()} says why.
     */
    SHUTDOWN
}
