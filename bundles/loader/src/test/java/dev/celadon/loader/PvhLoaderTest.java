package dev.celadon.loader;

import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.loader.internal.KernelLoader;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PvhLoaderTest {
    static final long MIB = 1 << 20;
    static final MemoryRegion ACPI = new MemoryRegion(0xE0000, 0x20000);

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void loadsSegmentsZeroesBssAndWritesStartInfo() {
        byte[] text = random(0x3000, 1);
        byte[] data = random(0x800, 2);
        byte[] elf = new TestElf().segment(0x100000, text, text.length).segment(0x200000, data, 0x5000)
                .entry(0x100040).build();
        byte[] initrd = random(0x12345, 3);
        ArrayGuestMemory mem = ArrayGuestMemory.of(64 * MIB);
        String cmdline = "console=ttyS0 panic=-1";
        LoadedImage img = new KernelLoader().load(mem, new BootRequest(elf, initrd, cmdline, 0xE0000, ACPI));

        assertEquals(ImageFormat.PVH_ELF, img.format());
        BootState s = img.bootState();
        assertEquals(BootState.Mode.PROTECTED_32, s.mode());
        assertEquals(0x100040, s.rip());
        assertEquals(0, s.rsp());
        assertEquals(0x10, s.codeSelector());
        assertEquals(0x18, s.dataSelector());
        assertEquals(31, s.gdtLimit());
        // flat 32-bit code and data descriptors in the GDT
        assertEquals(0x00CF9A000000FFFFL, mem.u64(s.gdtBase() + 0x10));
        assertEquals(0x00CF92000000FFFFL, mem.u64(s.gdtBase() + 0x18));
        assertTrue(img.summary().contains("0x100040"), img.summary());

        assertArrayEquals(text, mem.read(0x100000, text.length));
        assertArrayEquals(data, mem.read(0x200000, data.length));
        assertArrayEquals(new byte[0x5000 - 0x800], mem.read(0x200800, 0x5000 - 0x800), "bss zeroed");
        assertEquals(0xCC, mem.u8(0x205000), "nothing written past p_memsz");

        long si = s.rbx();
        assertTrue(si >= 0x1000 && si < 0x8000);
        assertEquals(0x336ec578L, mem.u32(si));
        assertEquals(1, mem.u32(si + 4));
        assertEquals(1, mem.u32(si + 0x0C), "nr_modules");
        long cmd = mem.u64(si + 0x18);
        assertArrayEquals((cmdline + "\0").getBytes(StandardCharsets.US_ASCII), mem.read(cmd, cmdline.length() + 1));
        assertEquals(0xE0000, mem.u64(si + 0x20), "rsdp_paddr");
        long mod = mem.u64(si + 0x10);
        long initrdAt = mem.u64(mod);
        assertEquals(initrd.length, mem.u64(mod + 8));
        assertEquals(0, initrdAt % 4096);
        assertTrue(initrdAt + initrd.length <= 64 * MIB && initrdAt + initrd.length > 64 * MIB - 4096, "placed high");
        assertArrayEquals(initrd, mem.read(initrdAt, initrd.length));

        long mm = mem.u64(si + 0x28);
        assertEquals(3, mem.u32(si + 0x30));
        long[][] expected = {{0, 0xE0000, 1}, {0xE0000, 0x20000, 2}, {0x100000, 64 * MIB - 0x100000, 1}};
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i][0], mem.u64(mm + 24L * i));
            assertEquals(expected[i][1], mem.u64(mm + 24L * i + 8));
            assertEquals(expected[i][2], mem.u32(mm + 24L * i + 16));
        }
        // nothing in the AP trampoline area
        byte[] tramp = mem.read(0x8000, 0x98000);
        for (byte b : tramp) {
            assertEquals((byte) 0xCC, b);
        }
    }

    @Test
    void withoutInitrdNoModules() {
        byte[] elf = new TestElf().segment(0x100000, random(64, 4), 64).entry(0x100000).build();
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(elf, null, ""));
        assertEquals(0, mem.u32(img.bootState().rbx() + 0x0C));
        assertEquals(0, mem.u64(img.bootState().rbx() + 0x20));
        assertEquals(1, mem.u32(img.bootState().rbx() + 0x30), "one RAM entry without ACPI");
    }

    @Test
    void highRamAboveTheHoleIsInTheMemoryMap() {
        byte[] elf = new TestElf().segment(0x100000, random(64, 5), 64).entry(0x100000).build();
        ArrayGuestMemory mem = new ArrayGuestMemory(List.of(new MemoryRegion(0, 8 * MIB),
                new MemoryRegion(0x1_0000_0000L, 4 * MIB)), (byte) 0);
        LoadedImage img = new KernelLoader().load(mem, new BootRequest(elf, random(100, 6), "", 0, ACPI));
        long si = img.bootState().rbx();
        assertEquals(4, mem.u32(si + 0x30));
        long mm = mem.u64(si + 0x28);
        assertEquals(0x1_0000_0000L, mem.u64(mm + 72));
        assertEquals(1, mem.u32(mm + 72 + 16));
        long initrdAt = mem.u64(mem.u64(si + 0x10));
        assertTrue(initrdAt < 8 * MIB, "initrd below 3 GiB");
    }

    @Test
    void randomBytesAreRefused() {
        assertRefused(random(4096, 7), ImageFormat.NOT_BOOTABLE);
        assertRefused(new byte[0], ImageFormat.NOT_BOOTABLE + "an empty file");
    }

    @Test
    void truncatedElfIsRefused() {
        byte[] elf = new TestElf().segment(0x100000, random(0x1000, 8), 0x1000).entry(0x100000).build();
        assertRefused(Arrays.copyOf(elf, 40), "truncated ELF");
        assertRefused(Arrays.copyOf(elf, 200), "truncated ELF");
        assertRefused(Arrays.copyOf(elf, elf.length - 1), "truncated ELF");
    }

    @Test
    void elfWithoutTheNoteIsRefused() {
        byte[] elf = new TestElf().segment(0x100000, random(64, 9), 64).build();
        assertRefused(elf, "XEN_ELFNOTE_PHYS32_ENTRY");
    }

    @Test
    void wrongMachineIsRefused() {
        TestElf t = new TestElf().segment(0x100000, random(64, 9), 64).entry(0x100000);
        t.machine = 3;
        assertRefused(t.build(), "not x86-64");
    }

    @Test
    void segmentOutsideRamIsRefusedBeforeAnyWrite() {
        byte[] elf = new TestElf().segment(0x100000, random(64, 10), 64)
                .segment(15 * MIB, random(64, 11), 2 * MIB).entry(0x100000).build();
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoaderException e = assertThrows(LoaderException.class,
                () -> new KernelLoader().load(mem, BootRequest.of(elf, null, "")));
        assertTrue(e.getMessage().contains("outside guest RAM"), e.getMessage());
        assertEquals(0, mem.writes);
    }

    @Test
    void segmentOverTheAcpiRegionIsRefused() {
        byte[] elf = new TestElf().segment(0xF0000, random(64, 12), 64).entry(0xF0000).build();
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoaderException e = assertThrows(LoaderException.class,
                () -> new KernelLoader().load(mem, new BootRequest(elf, null, "", 0xE0000, ACPI)));
        assertTrue(e.getMessage().contains("ACPI"), e.getMessage());
        assertEquals(0, mem.writes);
    }

    static void assertRefused(byte[] image, String message) {
        LoaderException d = assertThrows(LoaderException.class, () -> ImageFormat.detect(image));
        assertTrue(d.getMessage().contains(message), d.getMessage());
        assertTrue(d.getMessage().startsWith(ImageFormat.NOT_BOOTABLE), d.getMessage());
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        assertThrows(LoaderException.class, () -> new KernelLoader().load(mem, BootRequest.of(image, null, "")));
        assertEquals(0, mem.writes);
    }
}
