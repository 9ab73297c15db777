/**
 * Guest image loaders: a PVH ELF kernel (32-bit protected-mode entry through the Xen PVH note), a Multiboot
 * (version 1) kernel (32-bit protected-mode entry, EAX = 0x2BADB002) and a Linux bzImage (x86 boot protocol,
 * 64-bit entry). A loader writes the image and its boot data into guest memory and returns the
 * {@link dev.celadon.hypervisor.api.backend.BootState} the boot processor starts from. Kernels and initrds come
 * as {@link dev.celadon.loader.KernelFile}s: files streamed into guest memory, or bytes already in the heap.
 * <p>
 * 2.0.0: {@code BootRequest.kernel()} and {@code initrd()} return {@code KernelFile} (the byte[] constructor
 * and {@code of(byte[], byte[], String)} remain); {@code ImageFormat.MULTIBOOT}.
 */
@org.osgi.annotation.versioning.Version("2.0.1")
package dev.celadon.loader;
