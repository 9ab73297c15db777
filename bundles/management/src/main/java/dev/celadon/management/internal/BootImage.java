package dev.celadon.management.internal;

import dev.celadon.guest.linux.kit.GuestKit;
import dev.celadon.guest.linux.kit.GuestKitImage;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.BackendKind;
import dev.celadon.loader.ImageFormat;
import dev.celadon.loader.KernelFile;
import dev.celadon.loader.LoaderException;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a VM boots, resolved from its definition: a bundled micro-guest, the guest kit's Linux, or files. Files are
 * opened header first and size-capped ({@link KernelFile}); the loader streams them into guest memory, so a
 * kernel is never read whole into the heap.
 */
record BootImage(String source, KernelFile kernel, KernelFile initrd, String cmdline, boolean kitDefaultCmdline) {

    BootImage(String source, KernelFile kernel, KernelFile initrd, String cmdline) {
        this(source, kernel, initrd, cmdline, false);
    }

    /**
     * The command line for the backend the partition got: the guest kit's default gains what an emulated CPU
     * needs (GuestKit.emulatedCpuCmdline). A command line the operator gave is used as given.
     */
    String cmdlineFor(BackendInfo backend, long tscHz) {
        if (kitDefaultCmdline && backend.kind() == BackendKind.EMULATOR) {
            return cmdline + GuestKit.emulatedCpuCmdline(tscHz);
        }
        return cmdline;
    }

    /** The name of the backend whose partitions run Java programs (bundles/loopback). */
    static final String LOOPBACK_BACKEND = "loopback";

    /** Whether this is {@code --image java}: no kernel, the loopback partition's Java program is the guest. */
    boolean javaProgram() {
        return kernel == null;
    }

    static BootImage resolve(VmDefinition d, Supplier<GuestKit> guestKit) {
        String image = d.image();
        if (VmDefinition.IMAGE_JAVA.equals(image)) {
            return new BootImage("the Java program assigned to " + d.name() + " (loopback)", null, null, "");
        }
        if (image != null && MicroGuests.names().contains(image)) {
            return new BootImage("micro-guest " + image, KernelFile.of(image, MicroGuests.image(image)),
                    initrd(d.initrd()), d.cmdline() == null ? "" : d.cmdline());
        }
        if (VmDefinition.IMAGE_LINUX.equals(image)) {
            GuestKitImage kit = guestKit.get().prepare();
            KernelFile initrd = d.initrd() != null ? initrd(d.initrd()) : initrd(kit.initrd().toString());
            return new BootImage("guest kit Linux " + kit.kernelRelease(), kernel(kit.kernel().toString()),
                    initrd, d.cmdline() != null ? d.cmdline() : kit.defaultCmdline(), d.cmdline() == null);
        }
        String kernelFile = image != null ? image : d.kernel();
        return new BootImage(kernelFile, kernel(kernelFile), initrd(d.initrd()), d.cmdline() == null ? ""
                : d.cmdline());
    }

    /** Checks, when a VM is defined, that its files exist and the kernel is a format we boot (from its header). */
    static void check(VmDefinition d) {
        String image = d.image();
        boolean loopback = LOOPBACK_BACKEND.equals(d.backendOrAuto());
        if (VmDefinition.IMAGE_JAVA.equals(image) != loopback) {
            throw new VmException(loopback ? "the loopback backend runs Java programs, not kernels: use --image java"
                    : "--image java (a Java program as the guest) needs --backend loopback");
        }
        if (loopback) {
            if (d.initrd() != null || d.cmdline() != null) {
                throw new VmException("--image java takes no --initrd or --cmdline: nothing is loaded");
            }
            return;
        }
        if (image != null && (MicroGuests.names().contains(image) || VmDefinition.IMAGE_LINUX.equals(image))) {
            initrd(d.initrd());
            return;
        }
        if (image != null && !image.contains("/")) {
            throw new VmException("unknown image '" + image + "': use one of " + String.join(", ", names())
                    + ", or the path of a kernel file");
        }
        String kernelFile = image != null ? image : d.kernel();
        try {
            ImageFormat.detect(kernel(kernelFile));
        } catch (LoaderException e) {
            throw new VmException(e.getMessage(), e);
        }
        initrd(d.initrd());
    }

    static List<String> names() {
        List<String> names = new ArrayList<>(MicroGuests.names());
        names.add(VmDefinition.IMAGE_LINUX);
        names.add(VmDefinition.IMAGE_JAVA);
        Collections.sort(names);
        return names;
    }

    private static KernelFile kernel(String file) {
        try {
            return KernelFile.openKernel(Path.of(file));
        } catch (LoaderException e) {
            throw new VmException(e.getMessage(), e);
        }
    }

    private static KernelFile initrd(String file) {
        if (file == null) {
            return null;
        }
        try {
            return KernelFile.openInitrd(Path.of(file));
        } catch (LoaderException e) {
            throw new VmException(e.getMessage(), e);
        }
    }
}
