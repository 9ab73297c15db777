package dev.celadon.loader.internal;

/** The four-entry boot GDT; flat descriptors, base 0, limit 4 GiB. */
final class Gdt {
    /** 32-bit code, execute/read, 4 KiB granularity. */
    static final long CODE32 = 0x00CF_9A00_0000_FFFFL;
    /** 64-bit code (L=1, D=0). */
    static final long CODE64 = 0x00AF_9A00_0000_FFFFL;
    /** 32-bit data, read/write. */
    static final long DATA = 0x00CF_9200_0000_FFFFL;

    private Gdt() {
    }

    static byte[] build(boolean longMode) {
        byte[] gdt = new byte[LowMemory.GDT_LIMIT + 1];
        Bytes.put64(gdt, LowMemory.CODE_SELECTOR, longMode ? CODE64 : CODE32);
        Bytes.put64(gdt, LowMemory.DATA_SELECTOR, DATA);
        return gdt;
    }
}
