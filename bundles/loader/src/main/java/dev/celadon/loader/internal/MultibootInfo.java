package dev.celadon.loader.internal;

import java.util.List;

/**
 * The Multiboot information structure (specification 0.6.96, "Boot information format") with its module
 * structures and memory map entries. Offsets are from the structure's start; a field is valid only when its
 * bit in {@code flags} is set, and Celadon sets the bits of the fields it fills, nothing else.
 */
final class MultibootInfo {
    /** The boot loader's magic in EAX at entry. */
    static final int BOOTLOADER_MAGIC = 0x2BADB002;

    static final int OFF_FLAGS = 0;
    static final int OFF_MEM_LOWER = 4;
    static final int OFF_MEM_UPPER = 8;
    static final int OFF_BOOT_DEVICE = 12;
    static final int OFF_CMDLINE = 16;
    static final int OFF_MODS_COUNT = 20;
    static final int OFF_MODS_ADDR = 24;
    static final int OFF_SYMS = 28;
    static final int OFF_MMAP_LENGTH = 44;
    static final int OFF_MMAP_ADDR = 48;
    static final int OFF_DRIVES_LENGTH = 52;
    static final int OFF_DRIVES_ADDR = 56;
    static final int OFF_CONFIG_TABLE = 60;
    static final int OFF_BOOT_LOADER_NAME = 64;
    static final int OFF_APM_TABLE = 68;
    static final int OFF_VBE_CONTROL_INFO = 72;
    static final int OFF_FRAMEBUFFER_ADDR = 88;
    /** Through framebuffer color_info; all of it written, unused fields zero. */
    static final int SIZE = 116;

    static final int FLAG_MEMORY = 1;
    static final int FLAG_BOOT_DEVICE = 1 << 1;
    static final int FLAG_CMDLINE = 1 << 2;
    static final int FLAG_MODS = 1 << 3;
    static final int FLAG_MMAP = 1 << 6;
    static final int FLAG_BOOT_LOADER_NAME = 1 << 9;
    static final int FLAG_VBE = 1 << 11;
    static final int FLAG_FRAMEBUFFER = 1 << 12;

    /** mod_start, mod_end (exclusive), string, reserved. */
    static final int MODULE_SIZE = 16;
    /** u32 size (of the rest: 20), u64 base_addr, u64 length, u32 type. */
    static final int MMAP_ENTRY_SIZE = 24;
    static final int MMAP_ENTRY_REST = 20;

    static final String BOOT_LOADER_NAME = "Celadon";
    /** mem_lower counts conventional memory: at most 640 KiB from address 0. */
    static final long LOWER_MEMORY_TOP = 0xA0000;
    static final long UPPER_MEMORY_BASE = 0x100000;

    /** A module as placed: [start, end) and the physical address of its NUL-terminated string. */
    record Module(long start, long end, long string) {
    }

    private MultibootInfo() {
    }

    static byte[] info(long memLowerKib, long memUpperKib, long cmdline, int modsCount, long modsAddr,
                       int mmapLength, long mmapAddr, long bootLoaderName) {
        byte[] b = new byte[SIZE];
        Bytes.put32(b, OFF_FLAGS, FLAG_MEMORY | FLAG_CMDLINE | FLAG_MODS | FLAG_MMAP | FLAG_BOOT_LOADER_NAME);
        Bytes.put32(b, OFF_MEM_LOWER, memLowerKib);
        Bytes.put32(b, OFF_MEM_UPPER, memUpperKib);
        Bytes.put32(b, OFF_CMDLINE, cmdline);
        Bytes.put32(b, OFF_MODS_COUNT, modsCount);
        Bytes.put32(b, OFF_MODS_ADDR, modsAddr);
        Bytes.put32(b, OFF_MMAP_LENGTH, mmapLength);
        Bytes.put32(b, OFF_MMAP_ADDR, mmapAddr);
        Bytes.put32(b, OFF_BOOT_LOADER_NAME, bootLoaderName);
        return b;
    }

    static byte[] modules(List<Module> modules) {
        byte[] b = new byte[modules.size() * MODULE_SIZE];
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            Bytes.put32(b, i * MODULE_SIZE, m.start());
            Bytes.put32(b, i * MODULE_SIZE + 4, m.end());
            Bytes.put32(b, i * MODULE_SIZE + 8, m.string());
        }
        return b;
    }

    /** The mmap buffer: each entry's size field counts the 20 bytes after it, so the next is at +size+4. */
    static byte[] mmap(List<E820Entry> entries) {
        byte[] b = new byte[entries.size() * MMAP_ENTRY_SIZE];
        for (int i = 0; i < entries.size(); i++) {
            E820Entry e = entries.get(i);
            int o = i * MMAP_ENTRY_SIZE;
            Bytes.put32(b, o, MMAP_ENTRY_REST);
            Bytes.put64(b, o + 4, e.address());
            Bytes.put64(b, o + 12, e.size());
            Bytes.put32(b, o + 20, e.type());
        }
        return b;
    }

    /** KiB of RAM contiguous from address 0, at most 640: the map's RAM entries are sorted and disjoint. */
    static long memLowerKib(List<E820Entry> map) {
        return contiguousRam(map, 0, LOWER_MEMORY_TOP) / 1024;
    }

    /** KiB of RAM contiguous from 1 MiB up to the first hole, capped so it fits the 32-bit field. */
    static long memUpperKib(List<E820Entry> map) {
        return Math.min(contiguousRam(map, UPPER_MEMORY_BASE, Long.MAX_VALUE) / 1024, 0xffff_ffffL);
    }

    private static long contiguousRam(List<E820Entry> map, long from, long cap) {
        long at = from;
        boolean grew = true;
        while (grew && at < cap) {
            grew = false;
            for (E820Entry e : map) {
                if (e.type() == E820Entry.RAM && e.address() <= at && e.address() + e.size() > at) {
                    at = e.address() + e.size();
                    grew = true;
                }
            }
        }
        return Math.min(at, cap) - from;
    }
}
