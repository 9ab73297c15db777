package dev.celadon.licensing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * A licensing authority's key pair on disk, as {@code keygen} writes it: {@code NAME.key} holds the PKCS#8
 * private key followed by the public key (the JDK cannot derive an Ed25519 public key from the private one,
 * and the signer needs it for the key id), created owner-read/write only; {@code NAME.pem} holds the public key
 * alone, the file to copy into a trust directory.
 */
record AuthorityKey(PrivateKey privateKey, PublicKey publicKey) {

    String keyId() {
        return Ed25519Keys.keyId(publicKey);
    }

    static AuthorityKey generate() throws GeneralSecurityException {
        KeyPair pair = Ed25519Keys.generate();
        return new AuthorityKey(pair.getPrivate(), pair.getPublic());
    }

    static AuthorityKey read(Path keyFile) throws IOException, GeneralSecurityException {
        PrivateKey privateKey = Ed25519Keys.readPrivate(keyFile);
        PublicKey publicKey = Ed25519Keys.readPublic(keyFile);
        if (!Ed25519Keys.matches(privateKey, publicKey)) {
            throw new GeneralSecurityException(keyFile + ": the public key is not the private key's");
        }
        return new AuthorityKey(privateKey, publicKey);
    }

    /** Writes {@code dir/name.key} and {@code dir/name.pem}; refuses to overwrite either. */
    void write(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path key = dir.resolve(name + ".key");
        Path pem = dir.resolve(name + ".pem");
        if (Files.exists(key) || Files.exists(pem)) {
            throw new FileAlreadyExistsException(Files.exists(key) ? key.toString() : pem.toString());
        }
        // Created with 0600 from the start, so the private key is never readable by others, not even briefly.
        Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(key, Ed25519Keys.privatePem(privateKey) + Ed25519Keys.publicPem(publicKey),
                StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        Files.writeString(pem, Ed25519Keys.publicPem(publicKey), StandardCharsets.US_ASCII);
    }
}
