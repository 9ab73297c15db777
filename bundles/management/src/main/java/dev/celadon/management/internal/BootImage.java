package dev.celadon.management.internal;

import dev.celadon.guest.linux.kit.GuestKit;
import dev.celadon.guest.linux.kit.GuestKitImage;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.loader.ImageFormat;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/** The bytes a VM boots, resolved from its definition: a bundled micro-guest, the guest kit's Linux, or files. */
record BootImage(String source, byte[] kernel, byte[] initrd, String cmdline) {

    static BootImage resolve(VmDefinition d, Supplier<GuestKit> guestKit) {
        String image = d.image();
        if (image != null && MicroGuests.names().contains(image)) {
            return new BootImage("micro-guest " + image, MicroGuests.image(image), readOptional(d.initrd(), "initrd"),
                    d.cmdline() == null ? "" : d.cmdline());
        }
        if (VmDefinition.IMAGE_LINUX.equals(image)) {
            GuestKitImage kit = guestKit.get().prepare();
            byte[] initrd = d.initrd() != null ? read(d.initrd(), "initrd") : read(kit.initrd().toString(), "initrd");
            return new BootImage("guest kit Linux " + kit.kernelRelease(), read(kit.kernel().toString(), "kernel"),
                    initrd, d.cmdline() != null ? d.cmdline() : kit.defaultCmdline());
        }
        String kernelFile = image != null ? image : d.kernel();
        return new BootImage(kernelFile, read(kernelFile, "kernel"), readOptional(d.initrd(), "initrd"),
                d.cmdline() == null ? "" : d.cmdline());
    }

    /** Checks, when a VM is defined, that its files exist and the kernel is a format we boot. */
    static void check(VmDefinition d) {
        String image = d.image();
        if (image != null && (MicroGuests.names().contains(image) || VmDefinition.IMAGE_LINUX.equals(image))) {
            if (d.initrd() != null) {
                checkReadable(d.initrd(), "initrd");
            }
            return;
        }
        String kernelFile = image != null ? image : d.kernel();
        if (image != null && !image.contains("/") && !Files.exists(Path.of(image))) {
            throw new VmException("unknown image '" + image + "': use one of " + String.join(", ", names())
                    + ", or the path of a kernel file");
        }
        ImageFormat.detect(read(kernelFile, "kernel"));
        if (d.initrd() != null) {
            checkReadable(d.initrd(), "initrd");
        }
    }

    static java.util.List<String> names() {
        java.util.List<String> names = new java.util.ArrayList<>(MicroGuests.names());
        names.add(VmDefinition.IMAGE_LINUX);
        java.util.Collections.sort(names);
        return names;
    }

    private static void checkReadable(String file, String what) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new VmException(what + " file " + file + " does not exist or is not readable");
        }
    }

    private static byte[] readOptional(String file, String what) {
        return file == null ? null : read(file, what);
    }

    private static byte[] read(String file, String what) {
        checkReadable(file, what);
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException | OutOfMemoryError e) {
            throw new VmException("cannot read " + what + " file " + file + ": " + e.getMessage(), e);
        }
    }
}
