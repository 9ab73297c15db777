package dev.celadon.licensing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ed25519 keys as the JDK (17) has them, in PEM: public keys as X.509 SubjectPublicKeyInfo
 * ("PUBLIC KEY", 44 bytes of DER), private keys as PKCS#8 ("PRIVATE KEY", 48 bytes of DER).
 * A key's id is the first 16 bytes of SHA-256 over its SubjectPublicKeyInfo DER, in lowercase hex:
 * computed from the key itself, so no file name or label can make one key pass for another.
 */
final class Ed25519Keys {
    static final String ALGORITHM = "Ed25519";
    /** DER sizes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 v1 PrivateKeyInfo (RFC 8410). */
    static final int PUBLIC_DER_LENGTH = 44;
    static final int PRIVATE_DER_LENGTH = 48;
    /** Key files are a few hundred bytes; refuse anything that is clearly not one before reading it. */
    static final long MAX_PEM_BYTES = 4096;
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    private Ed25519Keys() {
    }

    static KeyPair generate() throws GeneralSecurityException {
        return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    }

    static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    static String publicPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    static String privatePem(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    static PublicKey readPublic(Path file) throws IOException, GeneralSecurityException {
        byte[] der = readPem(file, "PUBLIC KEY");
        if (der.length != PUBLIC_DER_LENGTH) {
            throw new GeneralSecurityException(file + ": not an Ed25519 public key (" + der.length + " bytes of DER)");
        }
        // KeyFactory("Ed25519") checks the algorithm OID, so an RSA, EC or Ed448 key is refused here.
        return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
    }

    static PrivateKey readPrivate(Path file) throws IOException, GeneralSecurityException {
        byte[] der = readPem(file, "PRIVATE KEY");
        if (der.length != PRIVATE_DER_LENGTH) {
            throw new GeneralSecurityException(file + ": not an Ed25519 private key (" + der.length + " bytes of DER)");
        }
        return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /** The public half of a private key: the JDK does not derive it, so sign and verify a probe instead. */
    static boolean matches(PrivateKey privateKey, PublicKey publicKey) throws GeneralSecurityException {
        byte[] probe = "celadon key match probe".getBytes(StandardCharsets.US_ASCII);
        java.security.Signature s = java.security.Signature.getInstance(ALGORITHM);
        s.initSign(privateKey);
        s.update(probe);
        byte[] sig = s.sign();
        s.initVerify(publicKey);
        s.update(probe);
        return s.verify(sig);
    }

    private static byte[] readPem(Path file, String label) throws IOException, GeneralSecurityException {
        if (Files.size(file) > MAX_PEM_BYTES) {
            throw new GeneralSecurityException(file + ": larger than " + MAX_PEM_BYTES + " bytes, not a key file");
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(label)) {
                try {
                    return Base64.getMimeDecoder().decode(m.group(2));
                } catch (IllegalArgumentException e) {
                    throw new GeneralSecurityException(file + ": bad base64 in PEM", e);
                }
            }
        }
        throw new GeneralSecurityException(file + ": no '-----BEGIN " + label + "-----' block");
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
