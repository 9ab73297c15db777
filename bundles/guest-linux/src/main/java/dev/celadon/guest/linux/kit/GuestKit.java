package dev.celadon.guest.linux.kit;

import dev.celadon.guest.linux.kit.internal.DebianPackages;
import dev.celadon.guest.linux.kit.internal.InitramfsBuilder;
import dev.celadon.guest.linux.kit.internal.ModuleSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Prepares the reference Linux guest: the current {@code linux-image-cloud-amd64} kernel and an initramfs of
 * {@code busybox-static} plus the kernel's Hyper-V modules (hv_vmbus, hv_storvsc, hv_netvsc, hv_utils,
 * hv_balloon, hyperv-keyboard, hid-hyperv) and their dependencies. Nothing is pinned: the metapackage is
 * resolved to the kernel it depends on today. The result is cached per kernel release in
 * {@code <cache>/<release>/}; a manifest written last marks a complete kit, so an interrupted run is redone.
 */
public final class GuestKit {

    /** The Hyper-V drivers the reference guest must load. */
    public static final List<String> HYPERV_MODULES = List.of("hv_vmbus", "hv_storvsc", "hv_netvsc", "hv_utils",
            "hv_balloon", "hyperv_keyboard", "hid_hyperv");

    /**
     * Every module the kit's initramfs loads: the Hyper-V drivers and sd_mod, the SCSI disk driver (a module in
     * Debian's cloud kernel and none of hv_storvsc's dependencies: without it a VMBus disk is found as a SCSI
     * device but no /dev/sda appears), and virtio_pci/virtio_blk, so the same initramfs boots under QEMU with a
     * virtio-blk disk for bench/ comparisons (on Celadon they find no device and stay idle). Their dependencies
     * come from each module's own .modinfo.
     */
    public static final List<String> GUEST_MODULES = java.util.stream.Stream.concat(HYPERV_MODULES.stream(),
            java.util.stream.Stream.of("sd_mod", "virtio_pci", "virtio_blk")).toList();

    /**
     * console=ttyS0: COM1 is the console. earlyprintk: see the earliest boot on COM1 too. panic=-1: reboot
     * (which ends the VM) at once on panic instead of hanging. The rest keep the kernel off CPU features a
     * VMM may not virtualize fully (on a software-nested KVM the guest sees the host's CPUID whatever we set,
     * and its instruction emulator runs the kernel): noxsave (xrstor cannot be emulated), nofsgsbase, nopku,
     * nopcid, noinvpcid, and clearcpuid=cx16,smap,smep (lock cmpxchg16b in SLUB and clac/stac cannot be
     * emulated; seen here: "emulation failure ... f0 48 0f c7" without it).
     */
    public static final String DEFAULT_CMDLINE = "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 noxsave "
            + "nofsgsbase nopku nopcid noinvpcid clearcpuid=cx16,smap,smep";

    /**
     * Appended to {@link #DEFAULT_CMDLINE} when the CPU is Celadon's emulator (measured on it, issue 6):
     * mitigations=off (nothing speculates in an interpreter; the retpoline/IBRS/verw paths only cost time),
     * init_on_alloc=0 (Debian turns page zeroing on allocation on: seconds of interpreted stores at boot),
     * nokaslr (no RDRAND: the kernel's entropy for KASLR is weak anyway, and fixed addresses make logs and
     * profiles comparable run to run), cryptomgr.notests (the crypto self-tests are seconds of interpreted
     * work that test the kernel, not us), and the TSC frequency: the emulator has no PIT or HPET to calibrate
     * against, and without a frequency source Linux 6.1 hangs in TSC calibration
     * (../shared/reference/x86-emulation.md §5); the Hyper-V frequency MSRs take over where the timing
     * enlightenment is licensed.
     */
    public static String emulatedCpuCmdline(long tscHz) {
        return " mitigations=off init_on_alloc=0 nokaslr cryptomgr.notests tsc_early_khz=" + tscHz / 1000;
    }

    static final String MANIFEST = "kit.properties";
    private final Path cacheRoot;

    public GuestKit() {
        this(defaultCacheRoot());
    }

    public GuestKit(Path cacheRoot) {
        this.cacheRoot = cacheRoot;
    }

    public static Path defaultCacheRoot() {
        String override = System.getProperty("celadon.guestkit.dir");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("celadon").resolve("guest-kit");
    }

    public Path cacheRoot() {
        return cacheRoot;
    }

    /** One preparation at a time in this JVM (file locks are per process, so they need this as well). */
    private static final Object JVM_LOCK = new Object();

    /**
     * Returns the cached kit for the current kernel, building it (with downloads) if needed. Safe to call from
     * several threads, kits and processes at once: preparation holds a lock file in the cache, and whoever comes
     * second finds the finished kit.
     */
    public GuestKitImage prepare() {
        checkCacheRoot();
        synchronized (JVM_LOCK) {
            Path lockFile = cacheRoot.resolve(".lock");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                 java.nio.channels.FileLock ignored = ch.lock()) {
                return prepareLocked();
            } catch (IOException e) {
                throw new GuestKitException("cannot lock the guest kit cache " + lockFile + ": " + e.getMessage(), e);
            }
        }
    }

    private GuestKitImage prepareLocked() {
        DebianPackages apt = new DebianPackages(cacheRoot.resolve("downloads"));
        String kernelPackage = apt.resolveKernelPackage("linux-image-cloud-amd64");
        String release = kernelPackage.substring("linux-image-".length());
        Path dir = cacheRoot.resolve(release);
        Optional<GuestKitImage> done = read(dir);
        if (done.isPresent()) {
            return done.get();
        }
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(MANIFEST));
            Path kernelTree = apt.downloadAndExtract(kernelPackage);
            Path busyboxTree = apt.downloadAndExtract("busybox-static");
            Path vmlinuz = kernelTree.resolve("boot/vmlinuz-" + release);
            if (!Files.isRegularFile(vmlinuz)) {
                throw new GuestKitException(kernelPackage + " has no boot/vmlinuz-" + release);
            }
            Path busybox = busyboxTree.resolve("bin/busybox");
            if (!Files.isRegularFile(busybox)) {
                throw new GuestKitException("busybox-static has no bin/busybox");
            }
            ModuleSet modules = ModuleSet.resolve(kernelTree.resolve("lib/modules/" + release), GUEST_MODULES);
            Path kernel = dir.resolve("vmlinuz");
            Files.copy(vmlinuz, kernel, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Path initrd = dir.resolve("initramfs.cpio.gz");
            new InitramfsBuilder(release, busybox, modules).write(initrd);
            Properties p = new Properties();
            p.setProperty("release", release);
            p.setProperty("cmdline", DEFAULT_CMDLINE);
            p.setProperty("initramfs", InitramfsBuilder.layoutStamp());
            p.setProperty("wanted", String.join(",", GUEST_MODULES));
            p.setProperty("modules", String.join(",", modules.loadOrder()));
            try (var out = Files.newOutputStream(dir.resolve(MANIFEST + ".tmp"))) {
                p.store(out, "Celadon guest kit: complete");
            }
            Files.move(dir.resolve(MANIFEST + ".tmp"), dir.resolve(MANIFEST), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new GuestKitException("cannot build the guest kit in " + dir + ": " + e.getMessage(), e);
        }
        return read(dir).orElseThrow(() -> new GuestKitException("guest kit in " + dir + " is incomplete"));
    }

    /** The newest complete kit in the cache, without any download. */
    public Optional<GuestKitImage> cached() {
        if (!Files.isDirectory(cacheRoot)) {
            return Optional.empty();
        }
        try (var dirs = Files.list(cacheRoot)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(MANIFEST)))
                    .sorted(java.util.Comparator.comparing((Path d) -> d.getFileName().toString()).reversed())
                    .map(GuestKit::read).flatMap(Optional::stream).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkCacheRoot() {
        if (Files.exists(cacheRoot) && !Files.isDirectory(cacheRoot)) {
            throw new GuestKitException("guest kit cache " + cacheRoot + " is not a directory");
        }
        try {
            Files.createDirectories(cacheRoot);
        } catch (IOException e) {
            throw new GuestKitException("cannot create the guest kit cache " + cacheRoot + ": " + e, e);
        }
        if (!Files.isWritable(cacheRoot)) {
            throw new GuestKitException("guest kit cache " + cacheRoot + " is not writable");
        }
    }

    private static Optional<GuestKitImage> read(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest) || !Files.isRegularFile(dir.resolve("vmlinuz"))
                || !Files.isRegularFile(dir.resolve("initramfs.cpio.gz"))) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(manifest)) {
            p.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!InitramfsBuilder.layoutStamp().equals(p.getProperty("initramfs"))
                || !String.join(",", GUEST_MODULES).equals(p.getProperty("wanted"))) {
            return Optional.empty(); // built by an older kit: prepare() builds it again (downloads are cached)
        }
        return Optional.of(new GuestKitImage(p.getProperty("release"), dir.resolve("vmlinuz"),
                dir.resolve("initramfs.cpio.gz"), DEFAULT_CMDLINE, // the current default, not the one cached
                Arrays.asList(p.getProperty("modules", "").split(","))));
    }

    /** {@code GuestKit [--dir D]}: prepares the kit and prints where it is. */
    public static void main(String[] args) {
        Path dir = defaultCacheRoot();
        for (int i = 0; i < args.length; i++) {
            if ("--dir".equals(args[i]) && i + 1 < args.length) {
                dir = Path.of(args[++i]);
            } else {
                System.err.println("usage: GuestKit [--dir DIR]");
                System.exit(2);
            }
        }
        try {
            GuestKitImage kit = new GuestKit(dir).prepare();
            System.out.println("release " + kit.kernelRelease());
            System.out.println("kernel  " + kit.kernel());
            System.out.println("initrd  " + kit.initrd());
            System.out.println("cmdline " + kit.defaultCmdline());
            System.out.println("emulated-cpu-cmdline" + emulatedCpuCmdline(1_000_000_000L));
            System.out.println("modules " + String.join(" ", kit.modules()));
        } catch (GuestKitException e) {
            System.err.println("guest kit: " + e.getMessage());
            System.exit(1);
        }
    }
}
