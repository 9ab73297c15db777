/**
 * Licences for host-side enlightenments. The platform (the licensing bundle) implements
 * {@link dev.celadon.licensing.LicenceService} and registers one {@link dev.celadon.licensing.LicenceGrant}
 * service per grant of every valid licence; an enlightenment component requires its grant with a target
 * filter on {@link dev.celadon.licensing.LicenceGrant#FEATURE} and {@link dev.celadon.licensing.LicenceGrant#LICENSEE_BSN},
 * so Declarative Services activates it exactly while the licence holds. Users consume these types and never
 * implement them.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.licensing;
