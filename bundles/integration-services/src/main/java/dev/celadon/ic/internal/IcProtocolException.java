package dev.celadon.ic.internal;

/** An IC message from the guest that breaks the protocol: the reason says which field and why. */
public final class IcProtocolException extends Exception {
    public IcProtocolException(String message) {
        super(message);
    }

    static void require(boolean ok, String message) throws IcProtocolException {
        if (!ok) {
            throw new IcProtocolException(message);
        }
    }
}
