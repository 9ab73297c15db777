package dev.celadon.loader;

import dev.celadon.hypervisor.api.MemoryRegion;

/**
 * What to boot.
 *
 * @param kernel      a PVH ELF (vmlinux or micro-guest) or a bzImage
 * @param initrd      the initial ramdisk, or {@code null}
 * @param cmdline     the kernel command line (may be empty, never null)
 * @param rsdpAddress guest-physical address of the ACPI RSDP, 0 for none
 * @param acpiRegion  guest-physical range holding the ACPI tables, reported as reserved in the memory map; or null
 */
public record BootRequest(byte[] kernel, byte[] initrd, String cmdline, long rsdpAddress, MemoryRegion acpiRegion) {
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

    /** A request without ACPI. */
    public static BootRequest of(byte[] kernel, byte[] initrd, String cmdline) {
        return new BootRequest(kernel, initrd, cmdline, 0, null);
    }
}
