package dev.celadon.management;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a VM is: kept as one JSON file per VM, so it survives restarts.
 *
 * @param image   {@code demo} (or another bundled micro-guest), {@code linux} (the guest kit's Debian cloud
 *                kernel and initramfs), {@code java} (loopback backend only: a Java program is the guest), or the
 *                path of a PVH ELF or bzImage kernel; null when {@code kernel} is set
 * @param kernel  path of a kernel file (PVH ELF or bzImage); an alternative to {@code image}
 * @param initrd  path of an initial ramdisk, optional
 * @param cmdline kernel command line, optional (the linux image has a default)
 * @param backend the backend to run on ({@code kvm}, {@code emulator}, ...); null or {@code auto}: KVM where it is
 *                usable, the emulator otherwise
 * @param disks   disk images the guest sees, in order (each a VMBus storage controller with the disk as LUN 0);
 *                never null (absent in JSON: none)
 * @param guest   the guest pack whose Hyper-V profile the VM gets ({@code linux}, {@code windows}, ...); null (and
 *                absent in definitions written before packs existed): {@code linux}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmDefinition(String name, int cpus, long memoryMib, String image, String kernel, String initrd,
                           String cmdline, String backend,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Disk> disks, String guest) {

    /** Disks one VM may have. */
    public static final int MAX_DISKS = 64;

    /**
     * A disk image of a VM.
     *
     * @param path     absolute, normalised path of a VHD (fixed, dynamic, differencing) or raw image
     * @param readOnly whether the guest may only read it
     */
    public record Disk(String path, boolean readOnly) {
        /** {@code FILE} or {@code FILE:ro} (read-only) / {@code FILE:rw}, as vm:create --disk takes it. */
        public static Disk parse(String spec) {
            if (spec == null || spec.isBlank()) {
                throw new VmException("empty --disk: give FILE or FILE:ro");
            }
            if (spec.endsWith(":ro")) {
                return new Disk(spec.substring(0, spec.length() - 3), true);
            }
            if (spec.endsWith(":rw")) {
                return new Disk(spec.substring(0, spec.length() - 3), false);
            }
            return new Disk(spec, false);
        }

        @Override
        public String toString() {
            return path + (readOnly ? " (read-only)" : "");
        }
    }

    public VmDefinition {
        disks = disks == null ? List.of() : List.copyOf(disks);
    }

    /** A definition with the default guest pack. */
    public VmDefinition(String name, int cpus, long memoryMib, String image, String kernel, String initrd,
                        String cmdline, String backend, List<Disk> disks) {
        this(name, cpus, memoryMib, image, kernel, initrd, cmdline, backend, disks, null);
    }

    /** A definition without disks. */
    public VmDefinition(String name, int cpus, long memoryMib, String image, String kernel, String initrd,
                        String cmdline, String backend) {
        this(name, cpus, memoryMib, image, kernel, initrd, cmdline, backend, List.of());
    }

    /** This definition with {@code disks} instead of its own. */
    public VmDefinition withDisks(List<Disk> disks) {
        return new VmDefinition(name, cpus, memoryMib, image, kernel, initrd, cmdline, backend, disks, guest);
    }

    /** This definition with guest pack {@code guest} (null: the default). */
    public VmDefinition withGuest(String guest) {
        return new VmDefinition(name, cpus, memoryMib, image, kernel, initrd, cmdline, backend, disks, guest);
    }

    /** The guest pack asked for: {@code linux} when none is named. */
    public String guestOrDefault() {
        return guest == null || guest.isBlank() ? GUEST_DEFAULT : guest;
    }

    /** This definition with {@code disk} added last. */
    public VmDefinition withDisk(Disk disk) {
        List<Disk> l = new ArrayList<>(disks);
        l.add(disk);
        return withDisks(l);
    }

    public static final String BACKEND_AUTO = "auto";
    /** The guest pack of a definition that names none (and of every definition older than guest packs). */
    public static final String GUEST_DEFAULT = "linux";
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
    /**
     * The image of a VM on the loopback backend: the partition runs the Java program assigned to its name
     * (LoopbackPrograms, e.g. {@code loopback:assign}); nothing is loaded into its memory.
     */
    public static final String IMAGE_JAVA = "java";
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
        if (guest != null && !guest.matches("[a-z0-9][a-z0-9-]{0,31}")) {
            throw new VmException("invalid guest pack name '" + guest + "': use linux, windows or another pack's name");
        }
        if ((image == null) == (kernel == null)) {
            throw new VmException(image == null ? "give an image (--image demo|linux|FILE) or a kernel (--kernel FILE)"
                    : "give either --image or --kernel, not both");
        }
        if (disks.size() > MAX_DISKS) {
            throw new VmException(disks.size() + " disks given; a VM has at most " + MAX_DISKS);
        }
        for (Disk d : disks) {
            if (d == null || d.path() == null || d.path().isBlank()) {
                throw new VmException("a disk without a file name");
            }
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
