package dev.celadon.storage.vstor;

/** A storvsc packet that does not decode: too short, a field out of range. The message says which. */
public final class VstorProtocolException extends RuntimeException {
    public VstorProtocolException(String message) {
        super(message);
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new VstorProtocolException(message);
        }
    }
}
