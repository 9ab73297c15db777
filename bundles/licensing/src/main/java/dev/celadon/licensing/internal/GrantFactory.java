package dev.celadon.licensing.internal;

import java.lang.System.Logger.Level;

import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

import dev.celadon.licensing.LicenceGrant;

/**
 * Hands a grant only to the bundle it names: same symbolic name and, if the grant has a range, a version in
 * it. Every other bundle gets null, which the framework reports as a failed getService and DS as a reference it
 * cannot bind, so another bundle's component cannot activate on a grant it merely filtered for. Service
 * properties are visible to all; the object is not.
 */
final class GrantFactory implements ServiceFactory<LicenceGrant> {
    private static final System.Logger LOG = System.getLogger(GrantFactory.class.getName());
    private final GrantService grant;

    GrantFactory(GrantService grant) {
        this.grant = grant;
    }

    static boolean entitled(GrantService grant, String symbolicName, Version version) {
        if (!grant.grant().bundle().equals(symbolicName)) {
            return false;
        }
        if (grant.grant().versionRange().isEmpty()) {
            return true;
        }
        try {
            return new VersionRange(grant.grant().versionRange().get()).includes(version);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public LicenceGrant getService(Bundle bundle, ServiceRegistration<LicenceGrant> registration) {
        if (entitled(grant, bundle.getSymbolicName(), bundle.getVersion())) {
            return grant;
        }
        LOG.log(Level.WARNING, "licence " + grant.licenceId() + " grants " + grant.grant() + "; refused to bundle "
                + bundle.getSymbolicName() + " " + bundle.getVersion() + " (id " + bundle.getBundleId() + ")");
        return null;
    }

    @Override
    public void ungetService(Bundle bundle, ServiceRegistration<LicenceGrant> registration, LicenceGrant service) {
    }
}
