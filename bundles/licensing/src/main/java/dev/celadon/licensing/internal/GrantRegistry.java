package dev.celadon.licensing.internal;

import java.util.HashMap;
import java.util.Hashtable;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import dev.celadon.licensing.LicenceGrant;

/**
 * The registered grant services, kept equal to the grants of the currently valid licences: {@link #reconcile}
 * unregisters what is no longer granted first, then registers what is new, and leaves unchanged grants alone
 * so their enlightenments are not restarted by a re-check.
 */
final class GrantRegistry {
    private final BundleContext context;
    private final Map<GrantService, ServiceRegistration<LicenceGrant>> registered = new HashMap<>();

    GrantRegistry(BundleContext context) {
        this.context = context;
    }

    synchronized void reconcile(Set<GrantService> wanted) {
        for (Iterator<Map.Entry<GrantService, ServiceRegistration<LicenceGrant>>> it = registered.entrySet().iterator(); it.hasNext();) {
            Map.Entry<GrantService, ServiceRegistration<LicenceGrant>> e = it.next();
            if (!wanted.contains(e.getKey())) {
                unregister(e.getValue());
                it.remove();
            }
        }
        for (GrantService g : wanted) {
            if (!registered.containsKey(g)) {
                registered.put(g, context.registerService(LicenceGrant.class, new GrantFactory(g), properties(g)));
            }
        }
    }

    synchronized Set<GrantService> active() {
        return Set.copyOf(registered.keySet());
    }

    synchronized void close() {
        registered.values().forEach(GrantRegistry::unregister);
        registered.clear();
    }

    private static void unregister(ServiceRegistration<LicenceGrant> r) {
        try {
            r.unregister();
        } catch (IllegalStateException e) {
            // Already gone with the bundle.
        }
    }

    static Hashtable<String, Object> properties(GrantService g) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(LicenceGrant.FEATURE, g.grant().feature());
        p.put(LicenceGrant.LICENSEE_BSN, g.grant().bundle());
        g.grant().versionRange().ifPresent(v -> p.put(LicenceGrant.LICENSEE_VERSION, v));
        p.put(LicenceGrant.LICENCE_ID, g.licenceId());
        p.put(LicenceGrant.NOT_AFTER, g.notAfter().toString());
        return p;
    }
}
