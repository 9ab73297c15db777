package dev.celadon.licensing.internal;

/** A licence file or document that does not have the shape the format defines; the message says where. */
final class MalformedLicenceException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedLicenceException(String message) {
        super(message);
    }
}
