package dev.celadon.ic;

/**
 * One integration service of one VM run.
 *
 * @param service   "shutdown", "heartbeat" or "timesync"
 * @param state     where its channel is
 * @param framework the IC framework version negotiated ("3.0"), null before
 * @param version   the service's message version negotiated ("3.0"), null before
 * @param detail    one line for people (why it failed, what it last did)
 */
public record ServiceStatus(String service, State state, String framework, String version, String detail) {

    public enum State {
        /** Not offered to this VM's guest; the detail says why. */
        UNAVAILABLE,
        /** The guest has not opened the channel (no hv_utils, or not loaded yet), or closed it. */
        CLOSED,
        /** Open; the host's NEGOTIATE has not been answered yet. */
        NEGOTIATING,
        /** Versions agreed; requests flow. */
        READY,
        /** No common version, or the guest broke the protocol; the detail says which. */
        FAILED
    }
}
