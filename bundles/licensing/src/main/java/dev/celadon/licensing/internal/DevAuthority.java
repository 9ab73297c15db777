package dev.celadon.licensing.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.Licence;

/**
 * Run by the build (exec-maven-plugin, before the tests): the development authority and the licences for
 * Celadon's own enlightenments, all under {@code target/dev-authority/}:
 *
 * <pre>
 * private/celadon-dev.key    the private key: stays here, never in the jar, the repository or the distribution
 * trust/celadon-dev.pem      the public key, for the distribution's etc/celadon/trust/
 * licences/celadon-dev-FEATURE.licence   one licence per feature, for data/celadon/licences/
 * </pre>
 *
 * The key is made once per {@code target/} (kept across rebuilds, gone with {@code mvn clean}); licences are
 * signed afresh every build, valid from a day before the build (clock skew) for 365 days, bound to no host.
 * Arguments: the output directory, then {@code feature=bsn[;version=range]} for each enlightenment.
 */
public final class DevAuthority {
    static final String NAME = "celadon-dev";
    static final Duration VALIDITY = Duration.ofDays(365);

    private DevAuthority() {
    }

    public static void main(String[] args) throws IOException, GeneralSecurityException, MalformedLicenceException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: DevAuthority OUT-DIR feature=bsn[;version=range] ...");
        }
        Path out = Path.of(args[0]);
        List<Grant> grants = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            grants.add(LicenceDocument.parseGrant(args[i]));
        }
        make(out, grants, Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    static AuthorityKey make(Path out, List<Grant> grants, Instant now) throws IOException, GeneralSecurityException {
        Path privateDir = out.resolve("private");
        Path keyFile = privateDir.resolve(NAME + ".key");
        AuthorityKey key;
        if (Files.exists(keyFile)) {
            key = AuthorityKey.read(keyFile);
        } else {
            key = AuthorityKey.generate();
            key.write(privateDir, NAME);
            Files.delete(privateDir.resolve(NAME + ".pem"));
        }
        Path trust = Files.createDirectories(out.resolve("trust"));
        Files.writeString(trust.resolve(NAME + ".pem"), Ed25519Keys.publicPem(key.publicKey()));
        Path licences = Files.createDirectories(out.resolve("licences"));
        for (Grant g : grants) {
            String id = NAME + "-" + g.feature();
            Licence licence = new Licence(id, key.keyId(), "Celadon developers (development authority)",
                    now.minus(Duration.ofDays(1)), now.plus(VALIDITY), Optional.empty(), List.of(g));
            new LicenceDirectory(licences).install(id, LicenceSigner.sign(licence, key.privateKey(), key.publicKey()));
        }
        System.out.println("development authority " + key.keyId() + ": " + grants.size() + " licence(s) in " + licences);
        return key;
    }
}
