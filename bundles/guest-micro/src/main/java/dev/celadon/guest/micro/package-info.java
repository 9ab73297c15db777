/** The micro-guests: small freestanding x86-64 guests built from source by this bundle's build. */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.guest.micro;
