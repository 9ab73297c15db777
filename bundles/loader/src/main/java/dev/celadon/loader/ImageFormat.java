package dev.celadon.loader;

import dev.celadon.loader.internal.ElfImage;
import dev.celadon.loader.internal.MultibootHeader;
import dev.celadon.loader.internal.MultibootImage;
import dev.celadon.loader.internal.SetupHeader;

import java.nio.file.Path;

/**
 * The kernel image formats Celadon boots, recognised from their headers alone. The order is fixed, so an image
 * that carries several headers always gets the same answer:
 * <ol>
 * <li>"HdrS" at 0x202: {@link #BZIMAGE} (as QEMU; a bzImage never has a Multiboot header).</li>
 * <li>ELF64 with the Xen PVH note: {@link #PVH_ELF}, even with a Multiboot header too. PVH is the entry the ELF
 * names for itself and passes the RSDP; QEMU tries Multiboot first but refuses an x86-64 ELF without the
 * Multiboot address fields ("Cannot load x86-64 image, give a 32bit one"), so for such images PVH is the entry
 * both can use.</li>
 * <li>A Multiboot header (magic and checksum) in the first 8192 bytes: {@link #MULTIBOOT} (ELF32, ELF64 or a
 * flat image with the address fields).</li>
 * <li>Anything else is refused, saying which check failed.</li>
 * </ol>
 */
public enum ImageFormat {
    /** An ELF64 x86-64 image with the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY). */
    PVH_ELF,
    /** A Linux bzImage, boot protocol 2.12 or later, with a 64-bit entry point (XLF_KERNEL_64). */
    BZIMAGE,
    /** A Multiboot (version 1) kernel: ELF, or any image with the header's address fields (flag 16). */
    MULTIBOOT;

    /** How every detection failure's message starts. */
    public static final String NOT_BOOTABLE = "not an ELF (PVH), Multiboot or bzImage kernel: ";

    /**
     * Recognises the image and checks it is one Celadon can boot.
     *
     * @throws LoaderException naming what was found, if it is none of them
     */
    public static ImageFormat detect(byte[] image) {
        if (image == null) {
            throw new LoaderException(NOT_BOOTABLE + "no image");
        }
        return detect(KernelFile.of("kernel", image));
    }

    /** {@link #detect(KernelFile)} on a file opened with {@link KernelFile#openKernel}. */
    public static ImageFormat detect(Path kernel) {
        return detect(KernelFile.openKernel(kernel));
    }

    /**
     * Recognises the image from its headers: the first 8 KiB, and for an ELF its program headers and notes;
     * the payload is not read.
     */
    public static ImageFormat detect(KernelFile kernel) {
        byte[] head = kernel.head();
        if (SetupHeader.hasHdrS(head)) {
            SetupHeader.parse(head, kernel.size());
            return BZIMAGE;
        }
        if (ElfImage.looksLikeElf(head)) {
            ElfImage elf = null;
            LoaderException elfError = null;
            try {
                elf = ElfImage.parse(kernel);
            } catch (LoaderException e) {
                elfError = e; // fatal unless an a.out-kludge Multiboot header says where to load
            }
            if (elf != null && elf.is64() && elf.pvhEntry() != null) {
                elf.requirePvh();
                return PVH_ELF;
            }
            if (MultibootHeader.find(head) == null) {
                if (elfError != null) {
                    throw elfError;
                }
                elf.requirePvh(); // throws, naming what a PVH kernel lacks
            }
            MultibootImage.resolve(kernel);
            return MULTIBOOT;
        }
        if (MultibootHeader.find(head) != null) {
            MultibootImage.resolve(kernel);
            return MULTIBOOT;
        }
        if (SetupHeader.looksLikeBzImage(head)) {
            SetupHeader.parse(head, kernel.size()); // says what is wrong with it
        }
        throw new LoaderException(NOT_BOOTABLE + describe(head, kernel.size()));
    }

    private static String describe(byte[] head, long size) {
        if (size == 0) {
            return "an empty file";
        }
        StringBuilder sb = new StringBuilder(size + " bytes starting with");
        for (int i = 0; i < Math.min(8, head.length); i++) {
            sb.append(String.format(" %02x", head[i] & 0xff));
        }
        return sb.toString();
    }
}
