package dev.celadon.licensing;

/** A licence operation refused; {@link #state()} says which check failed, if one did. */
public class LicenceException extends Exception {
    private static final long serialVersionUID = 1L;
    private final LicenceState state;

    public LicenceException(LicenceState state, String message) {
        super(message);
        this.state = state;
    }

    public LicenceException(String message, Throwable cause) {
        super(message, cause);
        this.state = null;
    }

    /** The failed check, or null when the operation failed for another reason (I/O, unknown id). */
    public LicenceState state() {
        return state;
    }
}
