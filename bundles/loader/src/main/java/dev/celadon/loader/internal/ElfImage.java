package dev.celadon.loader.internal;

import dev.celadon.loader.LoaderException;

import java.util.ArrayList;
import java.util.List;

/**
 * A validated ELF64 x86-64 executable with the Xen PVH entry note. Parsing checks every field the loader relies
 * on against the file's bounds, so loading never reads outside the image.
 */
public final class ElfImage {
    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    // e_ident and ELF header offsets
    static final int EI_CLASS = 4;
    static final int EI_DATA = 5;
    static final int EI_VERSION = 6;
    static final int E_TYPE = 0x10;
    static final int E_MACHINE = 0x12;
    static final int E_VERSION = 0x14;
    static final int E_ENTRY = 0x18;
    static final int E_PHOFF = 0x20;
    static final int E_EHSIZE = 0x34;
    static final int E_PHENTSIZE = 0x36;
    static final int E_PHNUM = 0x38;
    // program header offsets
    static final int P_TYPE = 0;
    static final int P_OFFSET = 8;
    static final int P_PADDR = 24;
    static final int P_FILESZ = 32;
    static final int P_MEMSZ = 40;

    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int ET_EXEC = 2;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private static final String NOT_BOOTABLE = "not an ELF (PVH) or bzImage kernel: ";

    /** A PT_LOAD segment: {@code fileSize} bytes from {@code offset} go to {@code paddr}, the rest to zero. */
    public record Segment(long paddr, int offset, long fileSize, long memSize) {
        public long end() {
            return paddr + memSize;
        }
    }

    private final List<Segment> segments;
    private final long entry;

    private ElfImage(List<Segment> segments, long entry) {
        this.segments = List.copyOf(segments);
        this.entry = entry;
    }

    public List<Segment> segments() {
        return segments;
    }

    /** The 32-bit physical entry point from XEN_ELFNOTE_PHYS32_ENTRY. */
    public long entry() {
        return entry;
    }

    public static boolean looksLikeElf(byte[] b) {
        return b.length >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    public static ElfImage parse(byte[] b) {
        if (!looksLikeElf(b)) {
            throw new LoaderException(NOT_BOOTABLE + "no ELF magic");
        }
        if (b.length < EHDR_SIZE) {
            throw new LoaderException(NOT_BOOTABLE + "truncated ELF: " + b.length + " bytes, shorter than the ELF header");
        }
        require(Bytes.u8(b, EI_CLASS) == ELFCLASS64, "ELF class " + Bytes.u8(b, EI_CLASS) + ", not ELFCLASS64");
        require(Bytes.u8(b, EI_DATA) == ELFDATA2LSB, "ELF data encoding " + Bytes.u8(b, EI_DATA) + ", not little-endian");
        require(Bytes.u8(b, EI_VERSION) == 1 && Bytes.u32(b, E_VERSION) == 1, "ELF version is not 1");
        require(Bytes.u16(b, E_TYPE) == ET_EXEC, "ELF type " + Bytes.u16(b, E_TYPE) + ", not an executable (ET_EXEC)");
        require(Bytes.u16(b, E_MACHINE) == EM_X86_64, "ELF machine " + Bytes.u16(b, E_MACHINE) + ", not x86-64 (62)");
        require(Bytes.u16(b, E_EHSIZE) == EHDR_SIZE, "ELF header size " + Bytes.u16(b, E_EHSIZE) + ", not 64");
        long phoff = Bytes.u64(b, E_PHOFF);
        int phnum = Bytes.u16(b, E_PHNUM);
        require(phnum > 0, "ELF has no program headers");
        require(Bytes.u16(b, E_PHENTSIZE) == PHDR_SIZE, "ELF program header size " + Bytes.u16(b, E_PHENTSIZE) + ", not 56");
        require(phoff >= EHDR_SIZE && phoff <= b.length && (long) phnum * PHDR_SIZE <= b.length - phoff,
                "truncated ELF: program headers at " + Bytes.hex(phoff) + " (" + phnum + " entries) beyond the "
                        + b.length + "-byte file");

        List<Segment> segments = new ArrayList<>();
        Long entry = null;
        for (int i = 0; i < phnum; i++) {
            int ph = (int) phoff + i * PHDR_SIZE;
            long type = Bytes.u32(b, ph + P_TYPE);
            long offset = Bytes.u64(b, ph + P_OFFSET);
            long filesz = Bytes.u64(b, ph + P_FILESZ);
            if (type != PT_LOAD && type != PT_NOTE) {
                continue;
            }
            require(offset >= 0 && filesz >= 0 && offset <= b.length && filesz <= b.length - offset,
                    "truncated ELF: segment " + i + " file range " + Bytes.hex(offset) + "+" + Bytes.hex(filesz)
                            + " beyond the " + b.length + "-byte file");
            if (type == PT_LOAD) {
                long paddr = Bytes.u64(b, ph + P_PADDR);
                long memsz = Bytes.u64(b, ph + P_MEMSZ);
                require(memsz >= filesz, "ELF segment " + i + " has p_memsz < p_filesz");
                require(paddr >= 0 && memsz >= 0 && paddr + memsz >= paddr,
                        "ELF segment " + i + " at " + Bytes.hex(paddr) + " wraps around");
                if (memsz > 0) {
                    segments.add(new Segment(paddr, (int) offset, filesz, memsz));
                }
            } else if (entry == null) {
                entry = findPvhEntry(b, (int) offset, (int) filesz);
            }
        }
        require(!segments.isEmpty(), "ELF has no loadable (PT_LOAD) segment");
        require(entry != null, "ELF without the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY), not a PVH kernel");
        return new ElfImage(segments, entry);
    }

    /** Walks the notes of one PT_NOTE segment: {u32 namesz, descsz, type; name; desc}, each part 4-aligned. */
    private static Long findPvhEntry(byte[] b, int off, int len) {
        int end = off + len;
        int p = off;
        while (end - p >= 12) {
            long namesz = Bytes.u32(b, p);
            long descsz = Bytes.u32(b, p + 4);
            long type = Bytes.u32(b, p + 8);
            long name = p + 12L;
            long desc = name + align4(namesz);
            long next = desc + align4(descsz);
            require(next <= end, "truncated ELF note at " + Bytes.hex(p));
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && b[(int) name] == 'X' && b[(int) name + 1] == 'e'
                    && b[(int) name + 2] == 'n' && b[(int) name + 3] == 0) {
                // Linux emits the address as a pointer-sized value (8 bytes on x86-64); a 32-bit one is legal too.
                require(descsz == 4 || descsz == 8, "Xen PVH entry note with a " + descsz + "-byte value");
                long e = descsz == 4 ? Bytes.u32(b, (int) desc) : Bytes.u64(b, (int) desc);
                require(e >= 0 && e < 0x1_0000_0000L, "PVH entry point " + Bytes.hex(e) + " is not a 32-bit address");
                return e;
            }
            p = (int) next;
        }
        return null;
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new LoaderException(NOT_BOOTABLE + what);
        }
    }
}
