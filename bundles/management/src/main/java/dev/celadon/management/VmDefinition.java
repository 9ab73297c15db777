package dev.celadon.management;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.regex.Pattern;

/**
 * What a VM is: kept as one JSON file per VM, so it survives restarts.
 *
 * @param image   {@code demo} (or another bundled micro-guest), {@code linux} (the guest kit's Debian cloud
 *                kernel and initramfs), or the path of a PVH ELF or bzImage kernel; null when {@code kernel} is set
 * @param kernel  path of a kernel file (PVH ELF or bzImage); an alternative to {@code image}
 * @param initrd  path of an initial ramdisk, optional
 * @param cmdline kernel command line, optional (the linux image has a default)
 * @param backend the backend to run on ({@code kvm}, {@code emulator}, ...); null or {@code auto}: KVM where it is
 *                usable, the emulator otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmDefinition(String name, int cpus, long memoryMib, String image, String kernel, String initrd,
                           String cmdline, String backend) {

    public static final String BACKEND_AUTO = "auto";
    /** vCPUs beyond this are refused before any backend is asked (8-bit APIC IDs). */
    public static final int MAX_CPUS = 255;
    /** Memory beyond this (1 TiB) is refused before any backend is asked; sizes in bytes cannot overflow. */
    public static final long MAX_MEMORY_MIB = 1L << 20;

    /** A definition on the automatically chosen backend. */
    public VmDefinition(String name, int cpus, long memoryMib, String image, String kernel, String initrd,
                        String cmdline) {
        this(name, cpus, memoryMib, image, kernel, initrd, cmdline, null);
    }

    public static final String IMAGE_LINUX = "linux";
    public static final String IMAGE_DEMO = "demo";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /** Checks what can be checked without the host; the manager checks files and host limits. */
    public void validate() {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new VmException("invalid VM name '" + name + "': use 1-63 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit");
        }
        if (cpus < 1) {
            throw new VmException("a VM needs at least 1 vCPU, got " + cpus);
        }
        if (cpus > MAX_CPUS) {
            throw new VmException(cpus + " vCPUs requested; a VM has at most " + MAX_CPUS);
        }
        if (memoryMib < 16) {
            throw new VmException("a VM needs at least 16 MiB of memory, got " + memoryMib + " MiB");
        }
        if (memoryMib > MAX_MEMORY_MIB) {
            throw new VmException(memoryMib + " MiB of memory requested; a VM has at most " + MAX_MEMORY_MIB + " MiB");
        }
        if (backend != null && !backend.matches("[a-z][a-z0-9-]{0,31}")) {
            throw new VmException("invalid backend name '" + backend + "': use auto, kvm, emulator or another "
                    + "backend's name");
        }
        if ((image == null) == (kernel == null)) {
            throw new VmException(image == null ? "give an image (--image demo|linux|FILE) or a kernel (--kernel FILE)"
                    : "give either --image or --kernel, not both");
        }
    }

    /** The backend asked for: {@code auto} when none is named. */
    public String backendOrAuto() {
        return backend == null || backend.isBlank() ? BACKEND_AUTO : backend;
    }

    /** What the VM boots, for listings. */
    public String bootSource() {
        return image != null ? image : kernel;
    }
}
