package dev.celadon.licensing.internal;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Optional;

import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceState;

/**
 * The checks, in the order that touches the least untrusted data: the file's shape, the signer among the
 * trust anchors, the Ed25519 signature over the document bytes, and only then the document's content
 * (parsed, the issuer matching the signer), the validity period and the host binding.
 */
final class LicenceVerifier {

    /** A check's outcome: the state, a sentence for people, and the document once it verified. */
    record Result(LicenceState state, String reason, Optional<Licence> licence) {
    }

    private LicenceVerifier() {
    }

    /**
     * @param hostId this host's id, or empty if it has none (then a host-bound licence cannot hold here)
     */
    static Result check(byte[] file, TrustAnchors trust, Instant now, Optional<String> hostId) {
        LicenceEnvelope envelope;
        try {
            envelope = LicenceEnvelope.parse(file);
        } catch (MalformedLicenceException e) {
            return new Result(LicenceState.MALFORMED, "malformed: " + e.getMessage(), Optional.empty());
        }
        Optional<PublicKey> key = trust.key(envelope.issuer());
        if (key.isEmpty()) {
            return new Result(LicenceState.UNKNOWN_SIGNER,
                    "unknown signer: key " + envelope.issuer() + " is not among the trust anchors", Optional.empty());
        }
        if (!verifies(key.get(), envelope)) {
            return new Result(LicenceState.BAD_SIGNATURE,
                    "bad signature: the signature does not verify with key " + envelope.issuer(), Optional.empty());
        }
        Licence licence;
        try {
            licence = LicenceDocument.parse(envelope.document());
        } catch (MalformedLicenceException e) {
            return new Result(LicenceState.MALFORMED, "malformed document: " + e.getMessage(), Optional.empty());
        }
        if (!licence.issuer().equals(envelope.issuer())) {
            return new Result(LicenceState.MALFORMED, "malformed: the document names issuer " + licence.issuer()
                    + " but was signed by " + envelope.issuer(), Optional.empty());
        }
        Optional<Licence> verified = Optional.of(licence);
        if (now.isBefore(licence.notBefore())) {
            return new Result(LicenceState.NOT_YET_VALID, "not yet valid: it holds from " + licence.notBefore(), verified);
        }
        if (!now.isBefore(licence.notAfter())) {
            return new Result(LicenceState.EXPIRED, "expired: it held until " + licence.notAfter(), verified);
        }
        if (licence.host().isPresent() && !licence.host().equals(hostId)) {
            return new Result(LicenceState.WRONG_HOST, "bound to another host: " + licence.host().get()
                    + ", this host is " + hostId.orElse("without a machine id"), verified);
        }
        return new Result(LicenceState.VALID, "valid until " + licence.notAfter(), verified);
    }

    private static boolean verifies(PublicKey key, LicenceEnvelope envelope) {
        try {
            Signature s = Signature.getInstance(Ed25519Keys.ALGORITHM);
            s.initVerify(key);
            s.update(LicenceEnvelope.signedBytes(envelope.document()));
            return s.verify(envelope.signature());
        } catch (GeneralSecurityException e) {
            // An encoding the JDK refuses (e.g. a non-canonical S) is a signature that does not verify.
            return false;
        }
    }
}
