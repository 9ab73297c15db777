package dev.celadon.vmbus.ring;

/**
 * When a producer signals the consumer after a write. Both rules skip the signal while the consumer's
 * interrupt_mask is set (it is polling, and looks again when it unmasks).
 */
public enum SignalPolicy {
    /**
     * Signal after every write while interrupt_mask is 0: the host's rule toward a Linux guest (reference §7,
     * "spurious signals are harmless"). A Linux reader in HV_CALL_DIRECT mode publishes read_index after its
     * last look and does not look again, so a signal must not depend on what read_index says.
     */
    UNMASKED,
    /**
     * Signal only if interrupt_mask is 0 and the ring was empty before this write (read_index equals the old
     * write index, checked after the new write index is published): the rule Linux applies as a writer
     * ({@code hv_signal_on_write}), which saves interrupts but needs a reader that unmasks and looks again
     * before it sleeps, as {@link RingBuffer#unmaskInterrupts()} does.
     */
    EMPTY_TO_NON_EMPTY
}
