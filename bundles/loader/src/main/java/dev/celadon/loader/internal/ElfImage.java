package dev.celadon.loader.internal;

import dev.celadon.loader.ImageFormat;
import dev.celadon.loader.KernelFile;
import dev.celadon.loader.LoaderException;

import java.util.ArrayList;
import java.util.List;

/**
 * The headers of a little-endian ELF32 or ELF64 executable: its PT_LOAD segments, e_entry and, if present, the
 * Xen PVH entry note. Only the ELF header, program headers and PT_NOTE segments are read, never the payload.
 * Parsing checks every field the loaders rely on against the file's size, so loading never reads outside it;
 * what a format requires on top (PVH: ELF64 x86-64 with the note) is checked by {@link #requirePvh}.
 */
public final class ElfImage {
    // e_ident and the ELF header fields at the same offset in both classes
    static final int EI_CLASS = 4;
    static final int EI_DATA = 5;
    static final int EI_VERSION = 6;
    static final int E_TYPE = 0x10;
    static final int E_MACHINE = 0x12;
    static final int E_VERSION = 0x14;
    static final int E_ENTRY = 0x18;

    /** Offsets that differ between ELF32 and ELF64 (System V ABI, "ELF Header" and "Program Header"). */
    record Layout(int ehdrSize, int phdrSize, int phoff, int ehsize, int phentsize, int phnum,
                  int pType, int pOffset, int pVaddr, int pPaddr, int pFilesz, int pMemsz, boolean wide) {
        long word(byte[] b, int off) {
            return wide ? Bytes.u64(b, off) : Bytes.u32(b, off);
        }
    }

    static final Layout ELF32 = new Layout(52, 32, 0x1C, 0x28, 0x2A, 0x2C, 0, 4, 8, 12, 16, 20, false);
    static final Layout ELF64 = new Layout(64, 56, 0x20, 0x34, 0x36, 0x38, 0, 8, 16, 24, 32, 40, true);

    static final int ELFCLASS32 = 1;
    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int ET_EXEC = 2;
    static final int EM_386 = 3;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    /** Program headers and notes are small; a larger count or note segment is a corrupt file, not a kernel. */
    static final int MAX_PHNUM = 4096;
    static final int MAX_NOTE_SEGMENT = 1 << 20;

    /** A PT_LOAD segment: {@code fileSize} bytes from {@code offset} go to {@code paddr}, the rest to zero. */
    public record Segment(long paddr, long vaddr, long offset, long fileSize, long memSize) {
        public long end() {
            return paddr + memSize;
        }
    }

    private final int elfClass;
    private final int machine;
    private final long entry;
    private final List<Segment> segments;
    private final Long pvhEntry;

    private ElfImage(int elfClass, int machine, long entry, List<Segment> segments, Long pvhEntry) {
        this.elfClass = elfClass;
        this.machine = machine;
        this.entry = entry;
        this.segments = List.copyOf(segments);
        this.pvhEntry = pvhEntry;
    }

    public List<Segment> segments() {
        return segments;
    }

    /** e_entry. */
    public long entry() {
        return entry;
    }

    public boolean is64() {
        return elfClass == ELFCLASS64;
    }

    public int machine() {
        return machine;
    }

    /** The 32-bit physical entry point from XEN_ELFNOTE_PHYS32_ENTRY, or null without the note. */
    public Long pvhEntry() {
        return pvhEntry;
    }

    public static boolean looksLikeElf(byte[] b) {
        return b.length >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    public static ElfImage parse(KernelFile f) {
        byte[] head = f.head();
        require(looksLikeElf(head), "no ELF magic");
        require(head.length >= 0x18, "truncated ELF: " + f.size() + " bytes, shorter than the ELF header");
        int cls = Bytes.u8(head, EI_CLASS);
        require(cls == ELFCLASS32 || cls == ELFCLASS64, "ELF class " + cls + ", neither ELFCLASS32 nor ELFCLASS64");
        Layout l = cls == ELFCLASS64 ? ELF64 : ELF32;
        require(head.length >= l.ehdrSize(), "truncated ELF: " + f.size() + " bytes, shorter than the ELF header");
        byte[] b = f.read(0, l.ehdrSize());
        require(Bytes.u8(b, EI_DATA) == ELFDATA2LSB, "ELF data encoding " + Bytes.u8(b, EI_DATA) + ", not little-endian");
        require(Bytes.u8(b, EI_VERSION) == 1 && Bytes.u32(b, E_VERSION) == 1, "ELF version is not 1");
        require(Bytes.u16(b, E_TYPE) == ET_EXEC, "ELF type " + Bytes.u16(b, E_TYPE) + ", not an executable (ET_EXEC)");
        int machine = Bytes.u16(b, E_MACHINE);
        require(Bytes.u16(b, l.ehsize()) == l.ehdrSize(), "ELF header size " + Bytes.u16(b, l.ehsize()) + ", not "
                + l.ehdrSize());
        long entry = l.word(b, E_ENTRY);
        long phoff = l.word(b, l.phoff());
        int phnum = Bytes.u16(b, l.phnum());
        require(phnum > 0, "ELF has no program headers");
        require(phnum <= MAX_PHNUM, "ELF has " + phnum + " program headers");
        require(Bytes.u16(b, l.phentsize()) == l.phdrSize(), "ELF program header size " + Bytes.u16(b, l.phentsize())
                + ", not " + l.phdrSize());
        long size = f.size();
        require(phoff >= l.ehdrSize() && phoff <= size && (long) phnum * l.phdrSize() <= size - phoff,
                "truncated ELF: program headers at " + Bytes.hex(phoff) + " (" + phnum + " entries) beyond the "
                        + size + "-byte file");
        byte[] ph = f.read(phoff, phnum * l.phdrSize());

        List<Segment> segments = new ArrayList<>();
        Long pvh = null;
        for (int i = 0; i < phnum; i++) {
            int p = i * l.phdrSize();
            long type = Bytes.u32(ph, p + l.pType());
            if (type != PT_LOAD && type != PT_NOTE) {
                continue;
            }
            long offset = l.word(ph, p + l.pOffset());
            long filesz = l.word(ph, p + l.pFilesz());
            require(offset >= 0 && filesz >= 0 && offset <= size && filesz <= size - offset,
                    "truncated ELF: segment " + i + " file range " + Bytes.hex(offset) + "+" + Bytes.hex(filesz)
                            + " beyond the " + size + "-byte file");
            if (type == PT_LOAD) {
                long paddr = l.word(ph, p + l.pPaddr());
                long vaddr = l.word(ph, p + l.pVaddr());
                long memsz = l.word(ph, p + l.pMemsz());
                require(memsz >= filesz, "ELF segment " + i + " has p_memsz < p_filesz");
                require(paddr >= 0 && memsz >= 0 && paddr + memsz >= paddr,
                        "ELF segment " + i + " at " + Bytes.hex(paddr) + " wraps around");
                if (memsz > 0) {
                    segments.add(new Segment(paddr, vaddr, offset, filesz, memsz));
                }
            } else if (pvh == null) {
                require(filesz <= MAX_NOTE_SEGMENT, "ELF note segment " + i + " is " + filesz + " bytes");
                pvh = findPvhEntry(f.read(offset, (int) filesz));
            }
        }
        require(!segments.isEmpty(), "ELF has no loadable (PT_LOAD) segment");
        return new ElfImage(cls, machine, entry, segments, pvh);
    }

    /** What a PVH kernel needs beyond a valid ELF: ELF64, x86-64, the PHYS32 entry note. */
    public ElfImage requirePvh() {
        require(elfClass == ELFCLASS64, "ELF class " + elfClass + ", not ELFCLASS64 (a PVH kernel is ELF64)");
        require(machine == EM_X86_64, "ELF machine " + machine + ", not x86-64 (62)");
        require(pvhEntry != null, "ELF without the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) and without a"
                + " Multiboot header, neither a PVH nor a Multiboot kernel");
        return this;
    }

    /** Walks the notes of one PT_NOTE segment: {u32 namesz, descsz, type; name; desc}, each part 4-aligned. */
    private static Long findPvhEntry(byte[] b) {
        int end = b.length;
        int p = 0;
        while (end - p >= 12) {
            long namesz = Bytes.u32(b, p);
            long descsz = Bytes.u32(b, p + 4);
            long type = Bytes.u32(b, p + 8);
            long name = p + 12L;
            long desc = name + align4(namesz);
            long next = desc + align4(descsz);
            require(next <= end, "truncated ELF note at offset " + Bytes.hex(p) + " of its segment");
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
            throw new LoaderException(ImageFormat.NOT_BOOTABLE + what);
        }
    }
}
