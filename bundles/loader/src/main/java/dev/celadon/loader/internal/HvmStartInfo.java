package dev.celadon.loader.internal;

import java.util.List;

/** struct hvm_start_info version 1 (Xen PVH boot ABI) with its module list and memory map entries. */
final class HvmStartInfo {
    static final int MAGIC = 0x336ec578;
    static final int VERSION = 1;
    static final int SIZE = 56;
    static final int OFF_MAGIC = 0x00;
    static final int OFF_VERSION = 0x04;
    static final int OFF_FLAGS = 0x08;
    static final int OFF_NR_MODULES = 0x0C;
    static final int OFF_MODLIST_PADDR = 0x10;
    static final int OFF_CMDLINE_PADDR = 0x18;
    static final int OFF_RSDP_PADDR = 0x20;
    static final int OFF_MEMMAP_PADDR = 0x28;
    static final int OFF_MEMMAP_ENTRIES = 0x30;
    static final int MODLIST_ENTRY_SIZE = 32;
    static final int MEMMAP_ENTRY_SIZE = 24;

    private HvmStartInfo() {
    }

    static byte[] startInfo(int nrModules, long modlist, long cmdline, long rsdp, long memmap, int memmapEntries) {
        byte[] b = new byte[SIZE];
        Bytes.put32(b, OFF_MAGIC, MAGIC);
        Bytes.put32(b, OFF_VERSION, VERSION);
        Bytes.put32(b, OFF_NR_MODULES, nrModules);
        Bytes.put64(b, OFF_MODLIST_PADDR, nrModules == 0 ? 0 : modlist);
        Bytes.put64(b, OFF_CMDLINE_PADDR, cmdline);
        Bytes.put64(b, OFF_RSDP_PADDR, rsdp);
        Bytes.put64(b, OFF_MEMMAP_PADDR, memmap);
        Bytes.put32(b, OFF_MEMMAP_ENTRIES, memmapEntries);
        return b;
    }

    /** hvm_modlist_entry: u64 paddr, u64 size, u64 cmdline_paddr, u64 reserved. */
    static byte[] module(long paddr, long size) {
        byte[] b = new byte[MODLIST_ENTRY_SIZE];
        Bytes.put64(b, 0, paddr);
        Bytes.put64(b, 8, size);
        return b;
    }

    /** hvm_memmap_table_entry: u64 addr, u64 size, u32 type, u32 reserved. */
    static byte[] memmap(List<E820Entry> entries) {
        byte[] b = new byte[entries.size() * MEMMAP_ENTRY_SIZE];
        for (int i = 0; i < entries.size(); i++) {
            E820Entry e = entries.get(i);
            Bytes.put64(b, i * MEMMAP_ENTRY_SIZE, e.address());
            Bytes.put64(b, i * MEMMAP_ENTRY_SIZE + 8, e.size());
            Bytes.put32(b, i * MEMMAP_ENTRY_SIZE + 16, e.type());
        }
        return b;
    }
}
