package dev.celadon.loader.internal;

import dev.celadon.loader.ImageFormat;
import dev.celadon.loader.LoaderException;

import java.util.Arrays;

/**
 * The real-mode setup header of a bzImage (Linux x86 boot protocol, Documentation/x86/boot.rst). Offsets are
 * from the start of the file, which are also the offsets inside boot_params where the header is copied.
 */
public final class SetupHeader {
    public static final int START = 0x1F1;
    public static final int SETUP_SECTS = 0x1F1;
    public static final int SYSSIZE = 0x1F4;
    public static final int BOOT_FLAG = 0x1FE;
    public static final int JUMP = 0x200;
    public static final int HEADER = 0x202;
    public static final int VERSION = 0x206;
    public static final int TYPE_OF_LOADER = 0x210;
    public static final int LOADFLAGS = 0x211;
    public static final int RAMDISK_IMAGE = 0x218;
    public static final int RAMDISK_SIZE = 0x21C;
    public static final int HEAP_END_PTR = 0x224;
    public static final int CMD_LINE_PTR = 0x228;
    public static final int INITRD_ADDR_MAX = 0x22C;
    public static final int KERNEL_ALIGNMENT = 0x230;
    public static final int RELOCATABLE_KERNEL = 0x234;
    public static final int XLOADFLAGS = 0x236;
    public static final int CMDLINE_SIZE = 0x238;
    public static final int PREF_ADDRESS = 0x258;
    public static final int INIT_SIZE = 0x260;
    /** Last field the loader reads (init_size, 2.10+), so a 2.12+ header is at least this long. */
    static final int MIN_END = 0x264;

    public static final int MAGIC_HDRS = 0x5372_6448; // "HdrS"
    public static final int MIN_VERSION = 0x020C;
    public static final int XLF_KERNEL_64 = 1;
    public static final int LOADED_HIGH = 0x01;
    public static final int CAN_USE_HEAP = 0x80;

    private final byte[] header;
    private final int setupSects;
    private final int version;

    private SetupHeader(byte[] header, int setupSects, int version) {
        this.header = header;
        this.setupSects = setupSects;
        this.version = version;
    }

    public static boolean looksLikeBzImage(byte[] b) {
        return b.length >= 0x200 && Bytes.u16(b, BOOT_FLAG) == 0xAA55
                || b.length >= HEADER + 4 && Bytes.u32(b, HEADER) == MAGIC_HDRS;
    }

    /** "HdrS" at 0x202: the Linux boot protocol 2.00+, whatever else the file is (QEMU checks this first too). */
    public static boolean hasHdrS(byte[] b) {
        return b.length >= HEADER + 4 && Bytes.u32(b, HEADER) == MAGIC_HDRS;
    }

    /**
     * Parses the setup header from the start of the file.
     *
     * @param b        at least the first {@link #MIN_END} bytes of the file (the head is enough)
     * @param fileSize the whole file's size, for the truncation checks
     */
    public static SetupHeader parse(byte[] b, long fileSize) {
        require(b.length >= MIN_END, "truncated bzImage: " + b.length + " bytes, shorter than the setup header");
        require(Bytes.u32(b, HEADER) == MAGIC_HDRS, "no \"HdrS\" setup header magic (boot protocol before 2.00)");
        require(Bytes.u16(b, BOOT_FLAG) == 0xAA55, "bzImage boot_flag is not 0xAA55");
        int version = Bytes.u16(b, VERSION);
        require(version >= MIN_VERSION, String.format("bzImage boot protocol %d.%02d, need 2.12 or later",
                version >> 8, version & 0xff));
        int xloadflags = Bytes.u16(b, XLOADFLAGS);
        require((xloadflags & XLF_KERNEL_64) != 0, "bzImage without a 64-bit entry point (XLF_KERNEL_64 not set"
                + " in xloadflags 0x" + Integer.toHexString(xloadflags) + "): a 32-bit-only kernel");
        // The header ends at 0x202 + the jump offset in the byte at 0x201.
        int end = HEADER + Bytes.u8(b, JUMP + 1);
        require(end >= MIN_END && end <= 0x290 && end <= b.length, "bzImage setup header length " + Bytes.hex(end) + " out of range");
        int setupSects = Bytes.u8(b, SETUP_SECTS);
        if (setupSects == 0) {
            setupSects = 4; // boot protocol: 0 means 4
        }
        long kernelOffset = (setupSects + 1L) * 512;
        require(kernelOffset < fileSize, "truncated bzImage: " + fileSize + " bytes, setup code alone is "
                + kernelOffset);
        long sys = Bytes.u32(b, SYSSIZE) * 16;
        long kernelSize = fileSize - kernelOffset;
        require(sys > 0 && sys <= kernelSize, "truncated bzImage: syssize says " + sys
                + " bytes of protected-mode kernel, the file has " + kernelSize);
        long align = Bytes.u32(b, KERNEL_ALIGNMENT);
        boolean relocatable = Bytes.u8(b, RELOCATABLE_KERNEL) != 0;
        require(!relocatable || align != 0 && Long.bitCount(align) == 1,
                "bzImage kernel_alignment " + Bytes.hex(align) + " is not a power of two");
        return new SetupHeader(Arrays.copyOfRange(b, START, end), setupSects, version);
    }

    /** The header bytes from 0x1F1 to its end, to copy into boot_params at the same offset. */
    public byte[] bytes() {
        return header.clone();
    }

    public int version() {
        return version;
    }

    public int setupSects() {
        return setupSects;
    }

    /** File offset of the protected-mode kernel. */
    public int kernelOffset() {
        return (setupSects + 1) * 512;
    }

    public long initrdAddrMax() {
        return field32(INITRD_ADDR_MAX);
    }

    public long kernelAlignment() {
        return field32(KERNEL_ALIGNMENT);
    }

    public boolean relocatable() {
        return header[RELOCATABLE_KERNEL - START] != 0;
    }

    public long cmdlineSize() {
        return field32(CMDLINE_SIZE);
    }

    public long prefAddress() {
        return Bytes.u64(header, PREF_ADDRESS - START);
    }

    public long initSize() {
        return field32(INIT_SIZE);
    }

    private long field32(int off) {
        return Bytes.u32(header, off - START);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new LoaderException(ImageFormat.NOT_BOOTABLE + what);
        }
    }
}
