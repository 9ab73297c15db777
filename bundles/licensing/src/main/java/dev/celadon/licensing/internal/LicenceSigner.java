package dev.celadon.licensing.internal;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

import dev.celadon.licensing.Licence;

/** Makes licence files: the document encoded, signed with the authority's private key, wrapped. */
final class LicenceSigner {
    private LicenceSigner() {
    }

    /** The licence's issuer must be the key id of {@code publicKey}, the public half of {@code privateKey}. */
    static byte[] sign(Licence licence, PrivateKey privateKey, PublicKey publicKey) throws GeneralSecurityException {
        if (!licence.issuer().equals(Ed25519Keys.keyId(publicKey))) {
            throw new GeneralSecurityException("issuer " + licence.issuer() + " is not the key id of the signing key");
        }
        byte[] document = LicenceDocument.encode(licence);
        return wrap(licence.issuer(), document, privateKey);
    }

    /** Signs arbitrary document bytes (tests use it to sign what the encoder would never produce). */
    static byte[] wrap(String issuer, byte[] document, PrivateKey privateKey) throws GeneralSecurityException {
        Signature s = Signature.getInstance(Ed25519Keys.ALGORITHM);
        s.initSign(privateKey);
        s.update(LicenceEnvelope.signedBytes(document));
        return new LicenceEnvelope(issuer, document, s.sign()).toBytes();
    }
}
