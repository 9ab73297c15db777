package dev.celadon.loader.internal;

import dev.celadon.loader.ImageFormat;
import dev.celadon.loader.KernelFile;
import dev.celadon.loader.LoaderException;

import java.util.List;

/**
 * Where a Multiboot kernel goes: from the header's address fields when flag 16 is set (the "a.out kludge",
 * which takes precedence over any ELF headers, as the specification says), else from the ELF program headers.
 * Everything is checked against the file's size and the 32-bit address space here; RAM is checked at load time.
 *
 * @param segments what to load: file ranges to physical addresses, zero-filled up to memSize
 * @param entry    the 32-bit physical entry point
 * @param source   "a.out kludge" or "ELF32"/"ELF64", for the summary
 */
public record MultibootImage(MultibootHeader header, List<ElfImage.Segment> segments, long entry, String source) {
    static final long FOUR_GIB = 0x1_0000_0000L;

    public static MultibootImage resolve(KernelFile f) {
        MultibootHeader h = MultibootHeader.find(f.head());
        require(h != null, "no Multiboot header in the first 8192 bytes");
        if (h.has(MultibootHeader.ADDRESS_FIELDS)) {
            return fromAddressFields(f, h);
        }
        require(ElfImage.looksLikeElf(f.head()), "Multiboot header at " + Bytes.hex(h.offset()) + " without the"
                + " address fields (flag 16) in a file that is not ELF: nothing says where to load it");
        return fromElf(h, ElfImage.parse(f));
    }

    private static MultibootImage fromAddressFields(KernelFile f, MultibootHeader h) {
        String at = "Multiboot header at " + Bytes.hex(h.offset()) + ": ";
        require(h.loadAddr() <= h.headerAddr(), at + "load_addr " + Bytes.hex(h.loadAddr()) + " above header_addr "
                + Bytes.hex(h.headerAddr()));
        // The header's file offset minus its distance from load_addr is where the text starts in the file.
        long fileOffset = h.offset() - (h.headerAddr() - h.loadAddr());
        require(fileOffset >= 0, at + "header_addr - load_addr = " + Bytes.hex(h.headerAddr() - h.loadAddr())
                + " puts the start of the text before the start of the file");
        long available = f.size() - fileOffset;
        long loadSize;
        if (h.loadEndAddr() == 0) {
            loadSize = available; // 0: the text and data run to the end of the file
        } else {
            require(h.loadEndAddr() >= h.loadAddr(), at + "load_end_addr " + Bytes.hex(h.loadEndAddr())
                    + " below load_addr " + Bytes.hex(h.loadAddr()));
            loadSize = h.loadEndAddr() - h.loadAddr();
            require(loadSize <= available, "truncated Multiboot kernel: load_addr..load_end_addr is " + loadSize
                    + " bytes, the file has " + available + " from offset " + Bytes.hex(fileOffset));
        }
        long loadEnd = h.loadAddr() + loadSize;
        long bssEnd = h.bssEndAddr() == 0 ? loadEnd : h.bssEndAddr();
        require(bssEnd >= loadEnd, at + "bss_end_addr " + Bytes.hex(bssEnd) + " below the end of the loaded data "
                + Bytes.hex(loadEnd));
        require(bssEnd <= FOUR_GIB, at + "the image ends at " + Bytes.hex(bssEnd) + ", beyond 4 GiB");
        require(bssEnd > h.loadAddr(), at + "nothing to load");
        ElfImage.Segment s = new ElfImage.Segment(h.loadAddr(), h.loadAddr(), fileOffset, loadSize,
                bssEnd - h.loadAddr());
        return new MultibootImage(h, List.of(s), h.entryAddr(), "a.out kludge");
    }

    private static MultibootImage fromElf(MultibootHeader h, ElfImage elf) {
        boolean i386 = !elf.is64() && elf.machine() == ElfImage.EM_386;
        boolean x8664 = elf.is64() && elf.machine() == ElfImage.EM_X86_64;
        require(i386 || x8664, "Multiboot ELF" + (elf.is64() ? "64" : "32") + " for machine " + elf.machine()
                + ", not an i386 ELF32 or x86-64 ELF64");
        for (ElfImage.Segment s : elf.segments()) {
            require(s.end() <= FOUR_GIB, "Multiboot ELF segment at " + Bytes.hex(s.paddr()) + "+"
                    + Bytes.hex(s.memSize()) + " is beyond 4 GiB (p_paddr is where it is loaded)");
        }
        long entry = elf.entry();
        boolean inPhysical = elf.segments().stream().anyMatch(s -> entry >= s.paddr() && entry < s.end());
        if (!inPhysical) {
            // A kernel linked at a virtual address: e_entry is virtual, so translate it through its segment as
            // GRUB 2 does (for identity-linked kernels, the usual case, both are the same).
            for (ElfImage.Segment s : elf.segments()) {
                if (entry >= s.vaddr() && entry - s.vaddr() < s.memSize()) {
                    long e = s.paddr() + (entry - s.vaddr());
                    return new MultibootImage(h, elf.segments(), e, elf.is64() ? "ELF64" : "ELF32");
                }
            }
        }
        require(entry < FOUR_GIB, "Multiboot ELF entry point " + Bytes.hex(entry) + " is not a 32-bit address");
        return new MultibootImage(h, elf.segments(), entry, elf.is64() ? "ELF64" : "ELF32");
    }

    /** The lowest and highest byte the kernel occupies, bss included: [start, end). */
    public long start() {
        return segments.stream().mapToLong(ElfImage.Segment::paddr).min().orElseThrow();
    }

    public long end() {
        return segments.stream().mapToLong(ElfImage.Segment::end).max().orElseThrow();
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new LoaderException(ImageFormat.NOT_BOOTABLE + what);
        }
    }
}
