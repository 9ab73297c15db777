package dev.celadon.guest.linux.kit;

/** The guest kit could not be prepared; the message says what to fix. */
public class GuestKitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuestKitException(String message) {
        super(message);
    }

    public GuestKitException(String message, Throwable cause) {
        super(message, cause);
    }
}
