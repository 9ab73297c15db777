package dev.celadon.shell.storage.internal;

/**
 * A refusal meant for the operator. Karaf prints the message as "Error executing command: ..." without a stack
 * trace, and the command fails (so scripts see it).
 */
final class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StorageException(String message) {
        super(message);
    }
}
