package dev.celadon.loader.internal;

import java.util.List;

/** struct boot_params (the 4 KiB "zero page") of the x86 boot protocol, with the fields the loader sets. */
final class BootParams {
    static final int SIZE = 4096;
    static final int ACPI_RSDP_ADDR = 0x070;
    static final int EXT_RAMDISK_IMAGE = 0x0C0;
    static final int EXT_RAMDISK_SIZE = 0x0C4;
    static final int EXT_CMD_LINE_PTR = 0x0C8;
    static final int E820_ENTRIES = 0x1E8;
    static final int E820_TABLE = 0x2D0;
    static final int E820_MAX = 128;

    final byte[] b = new byte[SIZE];

    BootParams(SetupHeader header) {
        byte[] h = header.bytes();
        System.arraycopy(h, 0, b, SetupHeader.START, h.length);
    }

    void set8(int off, int v) {
        Bytes.put8(b, off, v);
    }

    void set16(int off, int v) {
        Bytes.put16(b, off, v);
    }

    void set32(int off, long v) {
        Bytes.put32(b, off, v);
    }

    void set64(int off, long v) {
        Bytes.put64(b, off, v);
    }

    int get8(int off) {
        return Bytes.u8(b, off);
    }

    void e820(List<E820Entry> entries) {
        if (entries.size() > E820_MAX) {
            throw new IllegalArgumentException("more than " + E820_MAX + " e820 entries");
        }
        set8(E820_ENTRIES, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            entries.get(i).writeZeroPage(b, E820_TABLE + i * E820Entry.ZEROPAGE_SIZE);
        }
    }
}
