package dev.celadon.test.support;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.LicenceGrant;
import java.time.Instant;
import java.util.Optional;

/**
 * A grant as the licensing bundle hands it to an enlightenment's component, for tests that run the component
 * outside OSGi: valid for an hour from now, for any host.
 */
public record TestGrant(Grant grant) implements LicenceGrant {

    public static TestGrant of(String feature, String bsn) {
        return new TestGrant(new Grant(feature, bsn, Optional.empty()));
    }

    @Override
    public String licenceId() {
        return "test-" + grant.feature();
    }

    @Override
    public String licensee() {
        return "tests";
    }

    @Override
    public Instant notAfter() {
        return Instant.now().plusSeconds(3600);
    }

    @Override
    public Optional<String> host() {
        return Optional.empty();
    }
}
