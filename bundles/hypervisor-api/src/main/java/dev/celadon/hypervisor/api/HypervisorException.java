package dev.celadon.hypervisor.api;

/** A request the hypervisor cannot carry out; the message says why in terms a user can act on. */
public class HypervisorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HypervisorException(String message) {
        super(message);
    }

    public HypervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
