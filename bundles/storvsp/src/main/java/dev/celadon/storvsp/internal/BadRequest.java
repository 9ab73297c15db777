package dev.celadon.storvsp.internal;

/** An SRB the VSP refuses as malformed: answered with SRB_STATUS_INVALID_REQUEST, the reason logged. */
final class BadRequest extends Exception {
    BadRequest(String message) {
        super(message, null, false, false);
    }
}
