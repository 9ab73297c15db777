package dev.celadon.ic;

/** A request to an integration service that cannot be carried out; the message says why, for the operator. */
public class IcException extends RuntimeException {
    public IcException(String message) {
        super(message);
    }
}
