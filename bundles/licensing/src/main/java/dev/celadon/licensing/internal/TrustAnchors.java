package dev.celadon.licensing.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The authorities whose signatures are believed: every {@code *.pem} public key in one directory, by key id.
 * The directory is read afresh for every check, so trusting a key (or withdrawing trust) takes effect at the
 * next check without a restart. A file that is not an Ed25519 public key is skipped and named in
 * {@link #problems()}.
 */
final class TrustAnchors {
    private final Map<String, PublicKey> keys;
    private final List<String> problems;

    private TrustAnchors(Map<String, PublicKey> keys, List<String> problems) {
        this.keys = Collections.unmodifiableMap(keys);
        this.problems = List.copyOf(problems);
    }

    static TrustAnchors load(Path directory) {
        Map<String, PublicKey> keys = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            problems.add(directory + ": no such directory, no key is trusted");
            return new TrustAnchors(keys, problems);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.pem")) {
            for (Path file : files) {
                try {
                    PublicKey key = Ed25519Keys.readPublic(file);
                    keys.put(Ed25519Keys.keyId(key), key);
                } catch (IOException | GeneralSecurityException e) {
                    problems.add(e.getMessage());
                }
            }
        } catch (IOException e) {
            problems.add(directory + ": " + e);
        }
        return new TrustAnchors(keys, problems);
    }

    static TrustAnchors of(PublicKey... trusted) {
        Map<String, PublicKey> keys = new TreeMap<>();
        for (PublicKey key : trusted) {
            keys.put(Ed25519Keys.keyId(key), key);
        }
        return new TrustAnchors(keys, List.of());
    }

    Optional<PublicKey> key(String keyId) {
        return Optional.ofNullable(keys.get(keyId));
    }

    Map<String, PublicKey> keys() {
        return keys;
    }

    List<String> problems() {
        return problems;
    }
}
