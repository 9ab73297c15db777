/**
 * Guest image loaders: a PVH ELF kernel (32-bit protected-mode entry through the Xen PVH note) and a Linux
 * bzImage (x86 boot protocol, 64-bit entry). A loader writes the image and its boot data into guest memory and
 * returns the {@link dev.celadon.hypervisor.api.backend.BootState} the boot processor starts from.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.loader;
