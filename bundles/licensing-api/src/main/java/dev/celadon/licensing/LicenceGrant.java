package dev.celadon.licensing;

import java.time.Instant;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A feature granted to one bundle by a valid licence. The licensing bundle registers one service of this type
 * per grant, with the service properties below, while the licence holds, and unregisters it when the licence
 * is removed, expires or stops verifying. The service is a service factory that hands the grant only to the
 * bundle it names (symbolic name and version range); any other bundle gets null, so its component cannot
 * activate on it.
 *
 * <p>An enlightenment requires its grant with a target filter on both the feature and its own symbolic name,
 * e.g. {@code @Reference(target = "(&(celadon.feature=hv-timing)(celadon.licensee.bsn=dev.celadon.enlightenment.timing))")},
 * so that a grant of the same feature to another bundle never satisfies (and then fails) its reference.
 */
@ProviderType
public interface LicenceGrant {
    /** Service property: the feature name (String). */
    String FEATURE = "celadon.feature";
    /** Service property: the Bundle-SymbolicName the grant is for (String). */
    String LICENSEE_BSN = "celadon.licensee.bsn";
    /** Service property: the OSGi version range the bundle's version must fall in (String), absent if any. */
    String LICENSEE_VERSION = "celadon.licensee.version";
    /** Service property: the id of the licence that grants it (String). */
    String LICENCE_ID = "celadon.licence.id";
    /** Service property: the licence's notAfter, ISO-8601 (String). */
    String NOT_AFTER = "celadon.licence.notAfter";

    /** The grant itself. */
    Grant grant();

    /** The id of the licence that grants it. */
    String licenceId();

    /** Who the licence was issued to. */
    String licensee();

    /** When the licence stops holding; the service is unregistered at the first re-check after it. */
    Instant notAfter();

    /** The host the licence is bound to, if any. */
    Optional<String> host();
}
