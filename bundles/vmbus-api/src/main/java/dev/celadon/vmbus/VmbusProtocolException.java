package dev.celadon.vmbus;

/**
 * The other side broke the VMBus protocol: a malformed message, a GPADL naming memory it may not name, a ring
 * index out of range. The message is the reason to log when the channel (or the connection) is closed for it.
 * A guest can cause this at will, so it is an expected outcome, never a host failure.
 */
public class VmbusProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmbusProtocolException(String reason) {
        super(reason);
    }

    public VmbusProtocolException(String reason, Throwable cause) {
        super(reason, cause);
    }

    static void require(boolean ok, String reason) {
        if (!ok) {
            throw new VmbusProtocolException(reason);
        }
    }
}
