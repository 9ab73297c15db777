package dev.celadon.loader.internal;

/**
 * Where the loaders put their boot structures in guest-physical low memory.
 *
 * <pre>
 * 0x0000_0000 - 0x0000_0FFF  untouched (real-mode IVT / BDA area)
 * 0x0000_1000 - 0x0000_101F  GDT: null, null, code at selector 0x10, data at 0x18
 * 0x0000_2000 - 0x0000_2037  PVH hvm_start_info (version 1)
 * 0x0000_2040 - 0x0000_205F  PVH module list (one hvm_modlist_entry: the initrd)
 * 0x0000_2000 - 0x0000_2073  Multiboot multiboot_info (instead of the PVH structures)
 * 0x0000_2080 - 0x0000_20FF  Multiboot module structures (16 bytes each)
 * 0x0000_2100 - 0x0000_2FFF  PVH memory map (hvm_memmap_table_entry) or Multiboot mmap, 24 bytes an entry
 * 0x0000_3000 - 0x0000_3FFF  bzImage boot_params ("zero page"), or the Multiboot strings: boot loader name,
 *                            module strings
 * 0x0000_4000 - 0x0000_7FFF  kernel command line, NUL-terminated (both formats)
 * 0x0000_8000 - 0x0009_FFFF  free: micro-guests put their AP trampoline here
 * 0x000A_0000 - 0x000A_5FFF  bzImage only: identity page tables (PML4, PDPT, 4 PDs of 2 MiB pages = 4 GiB)
 * 0x000E_0000 - 0x000F_FFFF  the ACPI region (tables written by the caller, reserved in the memory map)
 * 0x0010_0000 -              kernel (PVH: at its segments' p_paddr; bzImage: pref_address or 1 MiB;
 *                            Multiboot: p_paddr or load_addr)
 * after a Multiboot kernel    its modules, page-aligned, one after another (as GRUB and QEMU place them)
 * ... top of RAM below 3 GiB  initrd (PVH, bzImage), page-aligned, as high as allowed
 * </pre>
 */
public final class LowMemory {
    public static final long GDT = 0x1000;
    public static final int GDT_LIMIT = 4 * 8 - 1;
    public static final int CODE_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;

    public static final long START_INFO = 0x2000;
    public static final long MODLIST = 0x2040;
    public static final long MEMMAP = 0x2100;
    public static final int MEMMAP_MAX_ENTRIES = (0x3000 - 0x2100) / HvmStartInfo.MEMMAP_ENTRY_SIZE;

    public static final long BOOT_PARAMS = 0x3000;

    public static final long MULTIBOOT_INFO = 0x2000;
    public static final long MULTIBOOT_MODS = 0x2080;
    public static final int MULTIBOOT_MAX_MODS = (int) (MEMMAP - MULTIBOOT_MODS) / MultibootInfo.MODULE_SIZE;
    public static final long MULTIBOOT_STRINGS = 0x3000;
    public static final int MULTIBOOT_STRINGS_SIZE = 0x1000;
    /** End of the low boot structures: a kernel may not load below it (from {@link #GDT}). */
    public static final long BOOT_STRUCTURES_END = 0x8000;

    public static final long CMDLINE = 0x4000;
    /** Room for the command line including its NUL. */
    public static final int CMDLINE_MAX = 0x4000;

    public static final long PAGE_TABLES = 0xA0000;
    public static final long PAGE_TABLES_END = 0xA6000;

    /** Kernels that are not relocatable go to 1 MiB. */
    public static final long KERNEL_DEFAULT = 0x100000;

    /** Initrds and kernels stay in the RAM below the 32-bit MMIO hole. */
    public static final long LOW_RAM_TOP = dev.celadon.hypervisor.api.MemoryLayout.LOW_RAM_LIMIT;

    public static final long PAGE = 0x1000;

    private LowMemory() {
    }
}
