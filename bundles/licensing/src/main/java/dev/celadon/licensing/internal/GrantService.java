package dev.celadon.licensing.internal;

import java.time.Instant;
import java.util.Optional;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceGrant;

/** One grant of one valid licence, the object handed to the licensee bundle. Equal grants are the same registration. */
record GrantService(Grant grant, String licenceId, String licensee, Instant notAfter, Optional<String> host)
        implements LicenceGrant {

    static GrantService of(Licence licence, Grant grant) {
        return new GrantService(grant, licence.id(), licence.licensee(), licence.notAfter(), licence.host());
    }
}
