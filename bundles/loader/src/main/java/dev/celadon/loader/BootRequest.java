package dev.celadon.loader;

import dev.celadon.hypervisor.api.MemoryRegion;

import java.nio.file.Path;

/**
 * What to boot.
 *
 * @param kernel      a PVH ELF (vmlinux or micro-guest), a Multiboot kernel or a bzImage
 * @param initrd      the initial ramdisk (Multiboot: module 0), or {@code null}
 * @param cmdline     the kernel command line (may be empty, never null)
 * @param rsdpAddress guest-physical address of the ACPI RSDP, 0 for none
 * @param acpiRegion  guest-physical range holding the ACPI tables, reported as reserved in the memory map; or null
 */
public record BootRequest(KernelFile kernel, KernelFile initrd, String cmdline, long rsdpAddress,
                          MemoryRegion acpiRegion) {
    public BootRequest {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel");
        }
        if (cmdline == null) {
            throw new IllegalArgumentException("cmdline");
        }
        if (rsdpAddress < 0) {
            throw new IllegalArgumentException("rsdpAddress");
        }
    }

    /** Images already in the heap (micro-guests from bundle resources, tests). */
    public BootRequest(byte[] kernel, byte[] initrd, String cmdline, long rsdpAddress, MemoryRegion acpiRegion) {
        this(kernel == null ? null : KernelFile.of("kernel", kernel),
                initrd == null ? null : KernelFile.of("initrd", initrd), cmdline, rsdpAddress, acpiRegion);
    }

    /** A request without ACPI. */
    public static BootRequest of(byte[] kernel, byte[] initrd, String cmdline) {
        return new BootRequest(kernel, initrd, cmdline, 0, null);
    }

    /** A request without ACPI. */
    public static BootRequest of(KernelFile kernel, KernelFile initrd, String cmdline) {
        return new BootRequest(kernel, initrd, cmdline, 0, null);
    }

    /**
     * Files opened with {@link KernelFile#openKernel} and {@link KernelFile#openInitrd} (size caps checked, the
     * first 8 KiB read); the payload is streamed into guest memory at load time.
     *
     * @param initrd the initrd, or null
     * @throws LoaderException naming a file that is missing, unreadable or over its cap
     */
    public static BootRequest ofFiles(Path kernel, Path initrd, String cmdline) {
        return new BootRequest(KernelFile.openKernel(kernel), initrd == null ? null : KernelFile.openInitrd(initrd),
                cmdline, 0, null);
    }

    /** The same request with the ACPI tables' RSDP address and region. */
    public BootRequest withAcpi(long rsdpAddress, MemoryRegion acpiRegion) {
        return new BootRequest(kernel, initrd, cmdline, rsdpAddress, acpiRegion);
    }
}
