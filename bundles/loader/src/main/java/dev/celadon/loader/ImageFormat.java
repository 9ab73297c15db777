package dev.celadon.loader;

import dev.celadon.loader.internal.ElfImage;
import dev.celadon.loader.internal.SetupHeader;

/** The kernel image formats Celadon boots. */
public enum ImageFormat {
    /** An ELF64 x86-64 image with the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY). */
    PVH_ELF,
    /** A Linux bzImage, boot protocol 2.12 or later, with a 64-bit entry point (XLF_KERNEL_64). */
    BZIMAGE;

    /**
     * Recognises the image and checks it is one Celadon can boot.
     *
     * @throws LoaderException naming what was found, if it is neither
     */
    public static ImageFormat detect(byte[] image) {
        if (image == null) {
            throw new LoaderException("not an ELF (PVH) or bzImage kernel: no image");
        }
        if (ElfImage.looksLikeElf(image)) {
            ElfImage.parse(image); // validates headers and finds the PVH note, or throws
            return PVH_ELF;
        }
        if (SetupHeader.looksLikeBzImage(image)) {
            SetupHeader.parse(image);
            return BZIMAGE;
        }
        throw new LoaderException("not an ELF (PVH) or bzImage kernel: " + describe(image));
    }

    private static String describe(byte[] image) {
        if (image.length == 0) {
            return "an empty file";
        }
        StringBuilder sb = new StringBuilder(image.length + " bytes starting with");
        for (int i = 0; i < Math.min(8, image.length); i++) {
            sb.append(String.format(" %02x", image[i] & 0xff));
        }
        return sb.toString();
    }
}
