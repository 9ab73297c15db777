package dev.celadon.loader.internal;

import dev.celadon.loader.ImageFormat;
import dev.celadon.loader.LoaderException;

/**
 * The Multiboot (version 1, specification 0.6.96) header of an OS image: a 32-bit aligned structure within the
 * first 8192 bytes whose magic, flags and checksum sum to zero. Offsets are from the header's start.
 */
public final class MultibootHeader {
    public static final long MAGIC = 0x1BADB002L;
    /** The header must lie entirely in this many bytes from the start of the file. */
    public static final int SEARCH_LIMIT = 8192;

    public static final int OFF_MAGIC = 0;
    public static final int OFF_FLAGS = 4;
    public static final int OFF_CHECKSUM = 8;
    public static final int OFF_HEADER_ADDR = 12;
    public static final int OFF_LOAD_ADDR = 16;
    public static final int OFF_LOAD_END_ADDR = 20;
    public static final int OFF_BSS_END_ADDR = 24;
    public static final int OFF_ENTRY_ADDR = 28;
    public static final int OFF_MODE_TYPE = 32;
    /** magic, flags, checksum. */
    static final int BASE_SIZE = 12;
    /** Up to entry_addr, when flag 16 says the address fields are valid. */
    static final int ADDRESS_SIZE = 32;
    /** Up to depth, when flag 2 asks for a video mode. */
    static final int VIDEO_SIZE = 48;

    /** Flag 0: modules must be page (4 KiB) aligned. */
    public static final int PAGE_ALIGN = 1;
    /** Flag 1: mem_lower, mem_upper (and the memory map if there is one) must be passed. */
    public static final int MEMORY_INFO = 1 << 1;
    /** Flag 2: the kernel asks for a video mode (mode_type, width, height, depth). */
    public static final int VIDEO_MODE = 1 << 2;
    /** Flag 16: header_addr .. entry_addr are valid and take the place of the ELF headers ("a.out kludge"). */
    public static final int ADDRESS_FIELDS = 1 << 16;
    /**
     * Bits 0-15 are requirements a boot loader must refuse to load the image for if it does not know them;
     * Celadon knows 0, 1 and 2.
     */
    static final int UNKNOWN_REQUIRED = 0xFFF8;

    private final int offset;
    private final int flags;
    private final long headerAddr;
    private final long loadAddr;
    private final long loadEndAddr;
    private final long bssEndAddr;
    private final long entryAddr;

    private MultibootHeader(int offset, int flags, byte[] b) {
        this.offset = offset;
        this.flags = flags;
        boolean a = (flags & ADDRESS_FIELDS) != 0;
        headerAddr = a ? Bytes.u32(b, offset + OFF_HEADER_ADDR) : 0;
        loadAddr = a ? Bytes.u32(b, offset + OFF_LOAD_ADDR) : 0;
        loadEndAddr = a ? Bytes.u32(b, offset + OFF_LOAD_END_ADDR) : 0;
        bssEndAddr = a ? Bytes.u32(b, offset + OFF_BSS_END_ADDR) : 0;
        entryAddr = a ? Bytes.u32(b, offset + OFF_ENTRY_ADDR) : 0;
    }

    /**
     * The first header in {@code head} (the file's first bytes): a 4-aligned magic whose checksum matches, as a
     * boot loader scans for it. Null if there is none.
     *
     * @throws LoaderException if the header found asks for what Celadon cannot do or does not fit in 8 KiB
     */
    public static MultibootHeader find(byte[] head) {
        int limit = Math.min(head.length, SEARCH_LIMIT);
        for (int off = 0; off + BASE_SIZE <= limit; off += 4) {
            if (Bytes.u32(head, off) != MAGIC) {
                continue;
            }
            long flags = Bytes.u32(head, off + OFF_FLAGS);
            long sum = (MAGIC + flags + Bytes.u32(head, off + OFF_CHECKSUM)) & 0xffff_ffffL;
            if (sum != 0) {
                continue; // the magic inside code or data, not a header
            }
            int f = (int) flags;
            int size = (f & VIDEO_MODE) != 0 ? VIDEO_SIZE : (f & ADDRESS_FIELDS) != 0 ? ADDRESS_SIZE : BASE_SIZE;
            require(off + size <= limit, "Multiboot header at " + Bytes.hex(off) + " (" + size + " bytes with flags "
                    + Bytes.hex(flags) + ") runs past " + (limit < SEARCH_LIMIT ? "the end of the file"
                    : "the first 8192 bytes"));
            require((f & UNKNOWN_REQUIRED) == 0, "Multiboot header at " + Bytes.hex(off) + " requires features "
                    + Bytes.hex(f & UNKNOWN_REQUIRED) + " (flags bits 3-15) this loader does not know");
            return new MultibootHeader(off, f, head);
        }
        return null;
    }

    /** File offset of the header's magic. */
    public int offset() {
        return offset;
    }

    public int flags() {
        return flags;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public long headerAddr() {
        return headerAddr;
    }

    public long loadAddr() {
        return loadAddr;
    }

    /** 0: load to the end of the file. */
    public long loadEndAddr() {
        return loadEndAddr;
    }

    /** 0: no bss. */
    public long bssEndAddr() {
        return bssEndAddr;
    }

    public long entryAddr() {
        return entryAddr;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new LoaderException(ImageFormat.NOT_BOOTABLE + what);
        }
    }
}
