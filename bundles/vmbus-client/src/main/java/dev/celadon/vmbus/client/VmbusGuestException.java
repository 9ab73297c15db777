package dev.celadon.vmbus.client;

/** The host did not answer as the protocol says: a refusal, a timeout, a message the guest cannot use. */
public class VmbusGuestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmbusGuestException(String message) {
        super(message);
    }
}
