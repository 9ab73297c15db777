/**
 * The guest kit: Debian's cloud kernel and a busybox initramfs with that kernel's own Hyper-V modules,
 * fetched with apt-get and cached outside the repository.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.guest.linux.kit;
