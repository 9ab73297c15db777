package dev.celadon.shell.hv.internal;

/** A refusal meant for the operator; see {@link HvAction}. */
final class ShellException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ShellException(String message) {
        super(message);
    }
}
