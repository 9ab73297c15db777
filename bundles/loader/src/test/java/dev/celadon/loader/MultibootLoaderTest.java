package dev.celadon.loader;

import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.loader.internal.KernelLoader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Multiboot loader on synthetic images, every field read back at the offsets of the Multiboot Specification
 * 0.6.96 (section 3.3, "Boot information format"; 3.2, "Machine state").
 */
class MultibootLoaderTest {
    static final long MIB = 1 << 20;
    static final MemoryRegion ACPI = new MemoryRegion(0xE0000, 0x20000);
    static final int PAGE_ALIGN = 1;
    static final int MEMORY_INFO = 2;
    static final int VIDEO = 4;
    static final int ADDRESS = 0x10000;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** multiboot_info as the spec lays it out, read from guest memory. */
    record Info(long flags, long memLower, long memUpper, String cmdline, List<Module> modules, List<long[]> mmap,
                String bootLoaderName, long mmapLength) {
    }

    record Module(long start, long end, String string) {
    }

    static Info info(ArrayGuestMemory mem, long at) {
        long flags = mem.u32(at);
        List<Module> mods = new ArrayList<>();
        for (int i = 0; i < mem.u32(at + 20); i++) {
            long m = mem.u32(at + 24) + 16L * i;
            mods.add(new Module(mem.u32(m), mem.u32(m + 4), cstring(mem, mem.u32(m + 8))));
            assertEquals(0, mem.u32(m + 12), "module reserved field");
        }
        List<long[]> mmap = new ArrayList<>();
        long p = mem.u32(at + 48);
        long end = p + mem.u32(at + 44);
        while (p < end) {
            long size = mem.u32(p); // the entry's size, not counting the size field itself
            assertEquals(20, size);
            mmap.add(new long[] {mem.u64(p + 4), mem.u64(p + 12), mem.u32(p + 20)});
            p += size + 4;
        }
        assertEquals(end, p, "mmap_length is a whole number of entries");
        return new Info(flags, mem.u32(at + 4), mem.u32(at + 8), cstring(mem, mem.u32(at + 16)), mods, mmap,
                cstring(mem, mem.u32(at + 64)), mem.u32(at + 44));
    }

    static String cstring(ArrayGuestMemory mem, long at) {
        StringBuilder sb = new StringBuilder();
        for (long p = at; ; p++) {
            int c = mem.u8(p);
            if (c == 0) {
                return sb.toString();
            }
            sb.append((char) c);
        }
    }

    /** The machine state of spec 3.2 as the BootState expresses it, and the flat GDT it points at. */
    static void checkEntryState(ArrayGuestMemory mem, BootState s, long entry) {
        assertEquals(BootState.Mode.PROTECTED_32, s.mode(), "32-bit protected mode, paging off");
        assertEquals(entry, s.rip());
        assertEquals(0x2BADB002L, s.rax(), "EAX = the boot loader magic");
        assertEquals(0, s.cr3());
        assertEquals(0x00CF9A000000FFFFL, mem.u64(s.gdtBase() + s.codeSelector()), "flat 32-bit code, 4 GiB");
        assertEquals(0x00CF92000000FFFFL, mem.u64(s.gdtBase() + s.dataSelector()), "flat data, 4 GiB");
        assertTrue(s.rbx() >= 0x1000 && s.rbx() + 116 <= 0x8000, "multiboot_info in low memory");
    }

    @Test
    void elf32KernelGetsTheSpecifiedInfoStructure() {
        byte[] text = TestMultiboot.concat(TestMultiboot.header(PAGE_ALIGN | MEMORY_INFO), random(0x2000, 1));
        byte[] data = random(0x300, 2);
        TestMultiboot.Elf32 t = new TestMultiboot.Elf32().segment(0x100000, text, text.length)
                .segment(0x104000, data, 0x3000).entry(0x10000C);
        byte[] elf = t.build();
        byte[] initrd = random(0x5432, 3);
        ArrayGuestMemory mem = ArrayGuestMemory.of(64 * MIB);
        String cmdline = "console=ttyS0 test=multiboot";
        assertEquals(ImageFormat.MULTIBOOT, ImageFormat.detect(elf));
        LoadedImage img = new KernelLoader().load(mem, new BootRequest(elf, initrd, cmdline, 0xE0000, ACPI));

        assertEquals(ImageFormat.MULTIBOOT, img.format());
        checkEntryState(mem, img.bootState(), 0x10000C);
        assertArrayEquals(text, mem.read(0x100000, text.length));
        assertArrayEquals(data, mem.read(0x104000, data.length));
        assertArrayEquals(new byte[0x3000 - 0x300], mem.read(0x104300, 0x3000 - 0x300), "bss zeroed");
        assertEquals(0xCC, mem.u8(0x100000 + text.length), "nothing past the first segment's p_memsz");

        Info info = info(mem, img.bootState().rbx());
        // mem (0), cmdline (2), mods (3), mmap (6), boot_loader_name (9); no boot_device, syms, drives, video
        assertEquals(1 | 4 | 8 | 0x40 | 0x200, info.flags());
        assertEquals(640, info.memLower(), "KiB below 640 KiB (the ACPI region is above it)");
        assertEquals((64 * MIB - MIB) / 1024, info.memUpper(), "KiB from 1 MiB to the end of RAM");
        assertEquals(cmdline, info.cmdline());
        assertEquals("Celadon", info.bootLoaderName());
        assertEquals(1, info.modules().size());
        Module m = info.modules().get(0);
        assertEquals(0, m.start() % 4096, "page-aligned (header flag 0)");
        assertEquals(0x107000, m.start(), "module on the first page after the kernel's bss");
        assertEquals(initrd.length, m.end() - m.start(), "mod_end is exclusive");
        assertArrayEquals(initrd, mem.read(m.start(), initrd.length));
        assertEquals("initrd", m.string());
        assertEquals(72, info.mmapLength());
        long[][] expected = {{0, 0xE0000, 1}, {0xE0000, 0x20000, 2}, {0x100000, 63 * MIB, 1}};
        assertEquals(3, info.mmap().size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(expected[i], info.mmap().get(i), "mmap entry " + i);
        }
        byte[] tramp = mem.read(0x8000, 0x98000);
        for (byte b : tramp) {
            assertEquals((byte) 0xCC, b, "0x8000-0x9FFFF untouched");
        }
    }

    @Test
    void aoutKludgeLoadsFromTheHeaderOffsetToLoadEndAndClearsTheBss() {
        // 0x100 bytes the loader must skip, then the text; the header sits 0x40 into the text.
        long load = 0x200000;
        byte[] junk = random(0x100, 4);
        byte[] before = random(0x40, 5);
        byte[] header = TestMultiboot.header(ADDRESS, (int) load + 0x40, (int) load, (int) load + 0x1800,
                (int) load + 0x5000, (int) load + 0x60);
        byte[] after = random(0x1800 - 0x40 - header.length, 6);
        byte[] trailing = random(0x500, 7); // past load_end_addr: not loaded
        byte[] image = TestMultiboot.concat(junk, before, header, after, trailing);
        assertEquals(ImageFormat.MULTIBOOT, ImageFormat.detect(image));
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(image, null, ""));

        checkEntryState(mem, img.bootState(), load + 0x60);
        assertArrayEquals(Arrays.copyOfRange(image, 0x100, 0x1900), mem.read(load, 0x1800),
                "file offset = header offset - (header_addr - load_addr)");
        assertArrayEquals(new byte[0x5000 - 0x1800], mem.read(load + 0x1800, 0x5000 - 0x1800), "bss to bss_end_addr");
        assertEquals(0xCC, mem.u8(load + 0x5000));
        assertEquals(0xCC, mem.u8(load - 1));
        Info info = info(mem, img.bootState().rbx());
        assertEquals(0, info.modules().size());
        assertEquals(1 | 4 | 8 | 0x40 | 0x200, info.flags(), "mods valid with mods_count 0");
        assertEquals(1, info.mmap().size(), "one RAM entry without an ACPI region");
        assertTrue(img.summary().contains("a.out kludge"), img.summary());
    }

    @Test
    void aoutKludgeWithZeroLoadEndAndBssEndLoadsTheRestOfTheFile() {
        long load = 0x100000;
        byte[] header = TestMultiboot.header(ADDRESS | PAGE_ALIGN, (int) load, (int) load, 0, 0, (int) load + 32);
        byte[] image = TestMultiboot.concat(header, random(0x1234, 8));
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        byte[] initrd = random(100, 9);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(image, initrd, "a b"));
        assertArrayEquals(image, mem.read(load, image.length));
        assertEquals(0xCC, mem.u8(load + image.length), "no bss");
        Module m = info(mem, img.bootState().rbx()).modules().get(0);
        assertEquals(0x102000, m.start(), "first page after the image");
        assertArrayEquals(initrd, mem.read(m.start(), initrd.length));
    }

    @Test
    void modulesSkipTheAcpiRegion() {
        // A low kernel at 64 KiB: its module would run into the ACPI region at 0xE0000, so it goes above it.
        byte[] header = TestMultiboot.header(ADDRESS, 0x10000, 0x10000, 0, 0x11000, 0x10000 + 32);
        byte[] image = TestMultiboot.concat(header, random(0x800, 10));
        byte[] initrd = random(0xD0000, 11);
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoadedImage img = new KernelLoader().load(mem, new BootRequest(image, initrd, "", 0xE0000, ACPI));
        Module m = info(mem, img.bootState().rbx()).modules().get(0);
        assertEquals(0x100000, m.start());
        assertArrayEquals(initrd, mem.read(0x100000, initrd.length));
        for (byte b : mem.read(0xE0000, 0x20000)) {
            assertEquals((byte) 0xCC, b, "ACPI region untouched");
        }
    }

    @Test
    void higherHalfElfEntryIsTranslatedToItsPhysicalAddress() {
        byte[] text = TestMultiboot.concat(TestMultiboot.header(MEMORY_INFO), random(0x100, 12));
        byte[] elf = new TestMultiboot.Elf32().segment(0x100000, 0xC0100000L, text, text.length)
                .entry(0xC0100010L).build();
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(elf, null, ""));
        assertEquals(0x100010, img.bootState().rip());
        assertArrayEquals(text, mem.read(0x100000, text.length), "loaded at p_paddr");
    }

    @Test
    void elf64MultibootKernelWithoutPvhNoteIsMultiboot() {
        byte[] text = TestMultiboot.concat(TestMultiboot.header(MEMORY_INFO), random(0x400, 13));
        TestElf t = new TestElf().segment(0x100000, text, text.length);
        byte[] elf = t.build();
        ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN).putLong(0x18, 0x100000 + 12);
        assertEquals(ImageFormat.MULTIBOOT, ImageFormat.detect(elf));
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(elf, null, ""));
        checkEntryState(mem, img.bootState(), 0x100000 + 12);
        assertTrue(img.summary().contains("ELF64"), img.summary());
    }

    @Test
    void pvhNoteWinsOverAMultibootHeaderInAnElf64() {
        byte[] text = TestMultiboot.concat(TestMultiboot.header(MEMORY_INFO), random(0x400, 14));
        byte[] elf = new TestElf().segment(0x100000, text, text.length).entry(0x100020).build();
        assertEquals(ImageFormat.PVH_ELF, ImageFormat.detect(elf));
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(elf, null, ""));
        assertEquals(ImageFormat.PVH_ELF, img.format());
        assertEquals(0x336ec578L, mem.u32(img.bootState().rbx()), "hvm_start_info, not multiboot_info");
        assertEquals(0, img.bootState().rax());
    }

    @Test
    void pvhWinsEvenOverAMultibootHeaderWeWouldRefuse() {
        byte[] text = TestMultiboot.concat(TestMultiboot.header(MEMORY_INFO | 0x80), random(0x400, 30));
        byte[] pvh = new TestElf().segment(0x100000, text, text.length).entry(0x100020).build();
        assertEquals(ImageFormat.PVH_ELF, ImageFormat.detect(pvh));
        TestMultiboot.Elf32 t = new TestMultiboot.Elf32().segment(0x100000, text, text.length).entry(0x100020);
        assertRefused(t.build(), "flags bits 3-15");
    }

    @Test
    void addressFieldsNeedNoValidElfHeaders() {
        // ELF magic with a broken header (class 9), but the a.out kludge says where to load: Multiboot.
        byte[] header = TestMultiboot.header(ADDRESS, 0x100010, 0x100000, 0, 0, 0x100020);
        byte[] image = TestMultiboot.concat(new byte[] {0x7f, 'E', 'L', 'F', 9, 1, 1, 0}, new byte[8], header,
                random(0x100, 31));
        assertEquals(ImageFormat.MULTIBOOT, ImageFormat.detect(image));
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(image, null, ""));
        assertArrayEquals(image, mem.read(0x100000, image.length));
        assertEquals(0x100020, img.bootState().rip());
        // the same bytes without the header are a broken ELF, said so
        byte[] noHeader = image.clone();
        Arrays.fill(noHeader, 16, 16 + header.length, (byte) 0);
        assertRefused(noHeader, "ELF class 9");
    }

    @Test
    void bzImageWinsOverAMultibootHeader() {
        byte[] kernel = TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0x100000, 0x100000, 0, 0, 0x100000),
                random(0x1000, 15));
        byte[] image = BzImageLoaderTest.synthetic(0x20F, 0x3, kernel);
        assertEquals(ImageFormat.BZIMAGE, ImageFormat.detect(image), "HdrS is checked first");
    }

    @Test
    void videoModeRequestIsLoadedWithoutAFramebufferAndSaysSo() {
        byte[] header = TestMultiboot.header(ADDRESS | VIDEO, 0x100000, 0x100000, 0, 0, 0x100000 + 48, 0, 1024, 768,
                32);
        byte[] image = TestMultiboot.concat(header, random(0x100, 16));
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(image, null, ""));
        assertTrue(img.summary().contains("video mode"), img.summary());
        long flags = mem.u32(img.bootState().rbx());
        assertEquals(0, flags & (1 << 11 | 1 << 12), "no VBE or framebuffer info claimed");
    }

    @Test
    void headerOnlyCountsWithAGoodChecksumInTheFirst8KiB() {
        byte[] bad = TestMultiboot.header(ADDRESS, 0x100000, 0x100000, 0, 0, 0x100000);
        bad[8] ^= 1;
        assertRefused(TestMultiboot.concat(bad, random(0x100, 17)), "bytes starting with 02 b0 ad 1b");
        // a valid header, but starting at 8192: past the area a boot loader searches
        byte[] late = TestMultiboot.concat(new byte[8192],
                TestMultiboot.header(ADDRESS, 0x100000, 0x100000, 0, 0, 0x100000), random(0x100, 18));
        assertRefused(late, ImageFormat.NOT_BOOTABLE);
        // not 4-byte aligned
        byte[] odd = TestMultiboot.concat(new byte[2],
                TestMultiboot.header(ADDRESS, 0x100000, 0x100000, 0, 0, 0x100000), random(0x100, 19));
        assertRefused(odd, ImageFormat.NOT_BOOTABLE);
        // the same header aligned is accepted
        byte[] ok = TestMultiboot.concat(new byte[4],
                TestMultiboot.header(ADDRESS, 0x100004, 0x100000, 0, 0, 0x100010), random(0x100, 19));
        assertEquals(ImageFormat.MULTIBOOT, ImageFormat.detect(ok));
    }

    @Test
    void unknownRequiredFlagsAreRefused() {
        byte[] image = TestMultiboot.concat(TestMultiboot.header(ADDRESS | 0x8, 0x100000, 0x100000, 0, 0, 0x100000),
                random(0x100, 20));
        assertRefused(image, "flags bits 3-15");
    }

    @Test
    void flatImageWithoutAddressFieldsIsRefused() {
        assertRefused(TestMultiboot.concat(TestMultiboot.header(MEMORY_INFO), random(0x100, 21)), "not ELF");
    }

    @Test
    void badAddressFieldsAreRefused() {
        byte[] body = random(0x100, 22);
        // load_addr above header_addr
        assertRefused(TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0x100000, 0x100010, 0, 0, 0x100010), body),
                "above header_addr");
        // load_end_addr beyond the file
        assertRefused(TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0x100000, 0x100000, 0x110000, 0, 0x100000),
                body), "truncated Multiboot kernel");
        // bss_end_addr below load_end_addr
        assertRefused(TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0x100000, 0x100000, 0x100080, 0x100040,
                0x100000), body), "bss_end_addr");
        // text starting before the file
        assertRefused(TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0x101000, 0x100000, 0, 0, 0x100000), body),
                "before the start of the file");
    }

    @Test
    void elf32ForAnotherMachineIsRefused() {
        byte[] text = TestMultiboot.concat(TestMultiboot.header(MEMORY_INFO), random(0x100, 23));
        TestMultiboot.Elf32 t = new TestMultiboot.Elf32().segment(0x100000, text, text.length).entry(0x100000);
        t.machine = 62;
        assertRefused(t.build(), "not an i386 ELF32 or x86-64 ELF64");
    }

    @Test
    void kernelOverTheAcpiRegionOrBootStructuresOrOutsideRamIsRefusedBeforeAnyWrite() {
        byte[] overAcpi = TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0xD0000, 0xD0000, 0, 0xF0000, 0xD0000),
                random(0x100, 24));
        refusedOnLoad(overAcpi, 16 * MIB, "ACPI");
        byte[] low = TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0x3000, 0x3000, 0, 0, 0x3000),
                random(0x100, 25));
        refusedOnLoad(low, 16 * MIB, "boot structures");
        byte[] high = TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0xF00000, 0xF00000, 0, 0x1100000,
                0xF00000), random(0x100, 26));
        refusedOnLoad(high, 16 * MIB, "outside guest RAM");
        byte[] entryOutside = TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0x100000, 0x100000, 0, 0,
                0x300000), random(0x100, 27));
        refusedOnLoad(entryOutside, 16 * MIB, "entry point");
    }

    @Test
    void moduleThatDoesNotFitIsRefusedBeforeAnyWrite() {
        byte[] image = TestMultiboot.concat(TestMultiboot.header(ADDRESS, 0x100000, 0x100000, 0, 0, 0x100000),
                random(0x100, 28));
        ArrayGuestMemory mem = ArrayGuestMemory.of(4 * MIB);
        LoaderException e = assertThrows(LoaderException.class, () -> new KernelLoader().load(mem,
                new BootRequest(image, random(3 * (int) MIB, 29), "", 0xE0000, ACPI)));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        assertEquals(0, mem.writes);
    }

    void refusedOnLoad(byte[] image, long ram, String message) {
        ArrayGuestMemory mem = ArrayGuestMemory.of(ram);
        assertEquals(ImageFormat.MULTIBOOT, ImageFormat.detect(image), "a valid image, refused only for where it goes");
        LoaderException e = assertThrows(LoaderException.class,
                () -> new KernelLoader().load(mem, new BootRequest(image, null, "", 0xE0000, ACPI)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertEquals(0, mem.writes);
    }

    static void assertRefused(byte[] image, String message) {
        LoaderException d = assertThrows(LoaderException.class, () -> ImageFormat.detect(image));
        assertTrue(d.getMessage().contains(message), d.getMessage());
        assertTrue(d.getMessage().startsWith(ImageFormat.NOT_BOOTABLE), d.getMessage());
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        assertThrows(LoaderException.class, () -> new KernelLoader().load(mem, BootRequest.of(image, null, "")));
        assertEquals(0, mem.writes);
        assertFalse(d.getMessage().isEmpty());
    }
}
