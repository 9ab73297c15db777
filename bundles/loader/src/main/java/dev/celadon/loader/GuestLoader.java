package dev.celadon.loader;

import dev.celadon.hypervisor.api.GuestMemory;

/** Loads a kernel into a partition's memory and says where its boot processor starts. */
@org.osgi.annotation.versioning.ProviderType
public interface GuestLoader {

    /**
     * Detects the image format, validates the whole image against {@code memory} before writing anything, then
     * writes the kernel, initrd, command line and boot structures.
     *
     * @throws LoaderException if the image is not a bootable PVH ELF, Multiboot kernel or bzImage, does not fit in
     *                         RAM, or its file cannot be read
     */
    LoadedImage load(GuestMemory memory, BootRequest request);
}
