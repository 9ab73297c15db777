package dev.celadon.management;

/** A management request that cannot be carried out; the message tells the operator why. */
public class VmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmException(String message) {
        super(message);
    }

    public VmException(String message, Throwable cause) {
        super(message, cause);
    }
}
