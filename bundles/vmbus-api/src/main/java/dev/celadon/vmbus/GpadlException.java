package dev.celadon.vmbus;

/** A GPADL that cannot be accepted: pages outside RAM, overlapping another channel's, inconsistent lengths. */
public class GpadlException extends VmbusProtocolException {
    private static final long serialVersionUID = 1L;

    public GpadlException(String reason) {
        super(reason);
    }
}
