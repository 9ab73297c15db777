package dev.celadon.licensing;

/** What a licence check found. Only {@link #VALID} licences have their grants registered. */
public enum LicenceState {
    /** Signed by a trusted key, inside its validity period, and for this host (if bound). */
    VALID,
    /** Not a licence file: not JSON, a field missing, unknown or of the wrong type, a value out of range. */
    MALFORMED,
    /** The issuer names a key that is not among the trust anchors. */
    UNKNOWN_SIGNER,
    /** The Ed25519 signature does not verify over the document's bytes with the issuer's key. */
    BAD_SIGNATURE,
    /** The current time is before notBefore. */
    NOT_YET_VALID,
    /** The current time is at or after notAfter. */
    EXPIRED,
    /** The licence is bound to a host id other than this host's. */
    WRONG_HOST
}
