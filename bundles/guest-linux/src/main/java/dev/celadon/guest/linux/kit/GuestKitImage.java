package dev.celadon.guest.linux.kit;

import java.nio.file.Path;
import java.util.List;

/**
 * A prepared reference guest.
 *
 * @param kernel  the kernel as Debian ships it (vmlinuz, a bzImage)
 * @param initrd  gzip-compressed cpio (newc) initramfs
 * @param modules the Hyper-V modules and their dependencies in the initramfs, in load order
 */
public record GuestKitImage(String kernelRelease, Path kernel, Path initrd, String defaultCmdline, List<String> modules) {
}
