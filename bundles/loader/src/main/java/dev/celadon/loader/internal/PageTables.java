package dev.celadon.loader.internal;

/**
 * Identity page tables for the 64-bit boot protocol: one PML4, one PDPT and four page directories of 2 MiB
 * pages mapping the first 4 GiB, which covers the kernel, boot_params, command line and initrd (all below 3 GiB).
 */
final class PageTables {
    static final long PML4 = LowMemory.PAGE_TABLES;
    static final long PDPT = PML4 + 0x1000;
    static final long PD0 = PDPT + 0x1000;
    static final int DIRECTORIES = 4;
    static final long PRESENT_RW = 0x3;
    static final long PAGE_2M = 0x80;

    private PageTables() {
    }

    /** The tables as one block to write at {@link #PML4}. */
    static byte[] build() {
        byte[] t = new byte[(int) (LowMemory.PAGE_TABLES_END - LowMemory.PAGE_TABLES)];
        Bytes.put64(t, 0, PDPT | PRESENT_RW);
        for (int d = 0; d < DIRECTORIES; d++) {
            long pd = PD0 + d * 0x1000L;
            Bytes.put64(t, (int) (PDPT - PML4) + d * 8, pd | PRESENT_RW);
            for (int e = 0; e < 512; e++) {
                long phys = ((long) d << 30) | ((long) e << 21);
                Bytes.put64(t, (int) (pd - PML4) + e * 8, phys | PAGE_2M | PRESENT_RW);
            }
        }
        return t;
    }
}
