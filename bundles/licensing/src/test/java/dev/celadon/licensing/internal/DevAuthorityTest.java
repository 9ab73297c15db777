package dev.celadon.licensing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceState;

/** What the build's development authority left in target/dev-authority, checked as the assembly will use it. */
class DevAuthorityTest {
    static final Path OUT = Path.of(System.getProperty("licensing.dev.authority"));

    @Test
    void theBuildSignedALicencePerEnlightenmentThatVerifiesAgainstTheDevTrustAnchor() throws Exception {
        TrustAnchors trust = TrustAnchors.load(OUT.resolve("trust"));
        assertEquals(1, trust.keys().size(), "trust/ should hold exactly the development key: " + trust.problems());
        Map<String, String> granted = new TreeMap<>();
        try (Stream<Path> files = Files.list(OUT.resolve("licences"))) {
            for (Path f : files.toList()) {
                LicenceVerifier.Result r = LicenceVerifier.check(Files.readAllBytes(f), trust, Instant.now(), Optional.empty());
                assertEquals(LicenceState.VALID, r.state(), f + ": " + r.reason());
                Licence l = r.licence().orElseThrow();
                assertTrue(l.notAfter().isAfter(Instant.now().plusSeconds(300 * 86400L)), "a dev licence expires soon: " + l);
                l.grants().forEach(g -> granted.put(g.feature(), g.bundle()));
            }
        }
        assertEquals(Map.of("hv-timing", "dev.celadon.enlightenment.timing", "hv-synic", "dev.celadon.enlightenment.synic",
                "hv-crash", "dev.celadon.enlightenment.crash", "hv-stimer", "dev.celadon.enlightenment.stimer"), granted);
    }

    @Test
    void thePrivateKeyStaysInTargetDevAuthorityPrivate() throws Exception {
        Path key = OUT.resolve("private/" + DevAuthority.NAME + ".key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        byte[] der = AuthorityKey.read(key).privateKey().getEncoded();
        String base64 = java.util.Base64.getEncoder().encodeToString(der);
        byte[] seed = java.util.Arrays.copyOfRange(der, der.length - 32, der.length);
        // Nothing the jar is made from, nor the trust or licence directories the assembly copies, holds it: neither
        // its PEM text nor its raw 32-byte seed.
        for (Path tree : new Path[] {Path.of(System.getProperty("licensing.bundle.dir")), OUT.resolve("trust"), OUT.resolve("licences")}) {
            try (Stream<Path> files = Files.walk(tree)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    byte[] bytes = Files.readAllBytes(f);
                    assertFalse(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).contains(base64),
                            f + " holds the private key's PEM text");
                    assertFalse(contains(bytes, seed), f + " holds the private key's seed");
                }
            }
        }
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
