package dev.celadon.loader;

import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.loader.internal.KernelLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bzImage loader against the boot protocol's documented offsets, with a real Debian kernel and synthetic headers. */
class BzImageLoaderTest {
    static final long MIB = 1 << 20;
    static final long BP = 0x3000; // where the loader documents boot_params
    static final MemoryRegion ACPI = new MemoryRegion(0xE0000, 0x20000);

    /** A minimal bzImage: 4 setup sectors, the header fields the loader reads, then the "kernel". */
    static byte[] synthetic(int version, int xloadflags, byte[] kernel) {
        ByteBuffer b = ByteBuffer.allocate(5 * 512 + kernel.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) 4);
        b.putInt(0x1F4, kernel.length / 16);
        b.putShort(0x1FE, (short) 0xAA55);
        b.put(0x200, (byte) 0xEB).put(0x201, (byte) 0x66);
        b.putInt(0x202, 0x53726448);
        b.putShort(0x206, (short) version);
        b.put(0x211, (byte) 0x01);
        b.putInt(0x22C, 0x7fffffff);
        b.putInt(0x230, 0x200000);
        b.put(0x234, (byte) 1);
        b.putShort(0x236, (short) xloadflags);
        b.putInt(0x238, 0x7ff);
        b.putLong(0x258, 0x1000000);
        b.putInt(0x260, 0x400000);
        b.position(5 * 512);
        b.put(kernel);
        return b.array();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void syntheticImageFollowsTheBootProtocol() {
        byte[] kernel = random(0x10000, 1);
        byte[] image = synthetic(0x20F, 0x3, kernel);
        byte[] initrd = random(0x23456, 2);
        ArrayGuestMemory mem = ArrayGuestMemory.of(128 * MIB);
        String cmdline = "console=ttyS0 root=/dev/ram0";
        LoadedImage img = new KernelLoader().load(mem, new BootRequest(image, initrd, cmdline, 0xE0000, ACPI));
        checkCommon(mem, img, kernel, initrd, cmdline, 0x1000000, 128 * MIB);
        assertEquals(0x7fffffffL, mem.u32(BP + 0x22C), "setup header copied");
    }

    @Test
    void realDebianKernel() throws Exception {
        Path vmlinuz = realKernel().orElse(null);
        Assumptions.assumeTrue(vmlinuz != null, "no bzImage in /boot, ~/.cache/celadon and apt-get download failed");
        byte[] image = Files.readAllBytes(vmlinuz);
        assertEquals(ImageFormat.BZIMAGE, ImageFormat.detect(image));
        int setupSects = image[0x1F1] & 0xff;
        byte[] kernel = Arrays.copyOfRange(image, (setupSects + 1) * 512, image.length);
        byte[] initrd = random(3 * (int) MIB + 123, 3);
        ArrayGuestMemory mem = ArrayGuestMemory.of(256 * MIB);
        String cmdline = "console=ttyS0 earlyprintk=serial panic=-1";
        LoadedImage img = new KernelLoader().load(mem, new BootRequest(image, initrd, cmdline, 0xE0000, ACPI));
        long pref = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getLong(0x258);
        checkCommon(mem, img, kernel, initrd, cmdline, pref, 256 * MIB);
        // the rest of the header is the kernel's own, copied verbatim
        int end = 0x202 + (image[0x201] & 0xff);
        byte[] hdr = mem.read(BP + 0x1F1, end - 0x1F1);
        for (int off : new int[] {0x1F1, 0x1F4, 0x202, 0x206, 0x22C, 0x230, 0x236, 0x238, 0x258, 0x260}) {
            assertEquals(image[off], hdr[off - 0x1F1], "header byte at 0x" + Integer.toHexString(off));
        }
        System.out.println(img.summary());
    }

    void checkCommon(ArrayGuestMemory mem, LoadedImage img, byte[] kernel, byte[] initrd, String cmdline,
                     long load, long ramSize) {
        assertEquals(ImageFormat.BZIMAGE, img.format());
        BootState s = img.bootState();
        assertEquals(BootState.Mode.LONG_64, s.mode());
        assertEquals(load + 0x200, s.rip());
        assertEquals(BP, s.rsi());
        assertEquals(0x10, s.codeSelector());
        assertEquals(0x18, s.dataSelector());
        assertEquals(0x00AF9A000000FFFFL, mem.u64(s.gdtBase() + 0x10), "64-bit __BOOT_CS");
        assertEquals(0x00CF92000000FFFFL, mem.u64(s.gdtBase() + 0x18), "__BOOT_DS");
        assertArrayEquals(kernel, mem.read(load, kernel.length), "kernel at the load address");

        assertEquals("HdrS", new String(mem.read(BP + 0x202, 4), StandardCharsets.US_ASCII));
        assertEquals(0xFF, mem.u8(BP + 0x210), "type_of_loader");
        assertEquals(0x81, mem.u8(BP + 0x211) & 0x81, "LOADED_HIGH | CAN_USE_HEAP");
        assertTrue(mem.u16(BP + 0x224) != 0, "heap_end_ptr");
        long cmd = mem.u32(BP + 0x228);
        assertArrayEquals((cmdline + "\0").getBytes(StandardCharsets.US_ASCII), mem.read(cmd, cmdline.length() + 1));
        assertTrue(cmd >= 0x1000 && cmd + cmdline.length() < 0x8000);
        assertEquals(0, mem.u32(BP + 0x0C8), "ext_cmd_line_ptr");
        long rd = mem.u32(BP + 0x218) | mem.u32(BP + 0x0C0) << 32;
        assertEquals(initrd.length, mem.u32(BP + 0x21C) | mem.u32(BP + 0x0C4) << 32);
        assertEquals(0, rd % 4096);
        assertTrue(rd + initrd.length <= ramSize && rd + initrd.length > ramSize - 4096, "initrd placed high");
        assertArrayEquals(initrd, mem.read(rd, initrd.length));
        assertEquals(0xE0000, mem.u64(BP + 0x070), "acpi_rsdp_addr");

        assertEquals(3, mem.u8(BP + 0x1E8), "e820_entries");
        long[][] expected = {{0, 0xE0000, 1}, {0xE0000, 0x20000, 2}, {0x100000, ramSize - 0x100000, 1}};
        for (int i = 0; i < 3; i++) {
            long e = BP + 0x2D0 + 20L * i;
            assertEquals(expected[i][0], mem.u64(e));
            assertEquals(expected[i][1], mem.u64(e + 8));
            assertEquals(expected[i][2], mem.u32(e + 16));
        }
        // identity page tables: walk PML4 -> PDPT -> PD for addresses across the first 4 GiB
        for (long va : new long[] {0, BP, load, rd, 0xBFE00000L, 0xFEE00000L}) {
            assertEquals(va & ~0x1FFFFFL, translate(mem, s.cr3(), va), "identity map of 0x" + Long.toHexString(va));
        }
        byte[] tramp = mem.read(0x8000, 0x98000);
        for (byte b : tramp) {
            assertEquals((byte) 0xCC, b, "AP trampoline area untouched");
        }
    }

    /** The 2 MiB page a 64-bit address maps to, by the x86-64 4-level walk. */
    static long translate(ArrayGuestMemory mem, long cr3, long va) {
        long pml4e = mem.u64((cr3 & ~0xFFFL) + ((va >>> 39) & 511) * 8);
        assertEquals(3, pml4e & 3);
        long pdpte = mem.u64((pml4e & 0xFFFFFFFFF000L) + ((va >>> 30) & 511) * 8);
        assertEquals(3, pdpte & 3);
        long pde = mem.u64((pdpte & 0xFFFFFFFFF000L) + ((va >>> 21) & 511) * 8);
        assertEquals(0x83, pde & 0x83, "present, writable, 2 MiB page");
        return pde & 0xFFFFFFE00000L;
    }

    @Test
    void nonRelocatableKernelGoesToOneMiBAndInitrdRespectsInitrdAddrMax() {
        byte[] kernel = random(0x8000, 9);
        byte[] image = synthetic(0x20C, 0x1, kernel);
        image[0x234] = 0; // not relocatable
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(0x22C, (int) (40 * MIB - 1)); // initrd_addr_max
        byte[] initrd = random(0x5000, 10);
        ArrayGuestMemory mem = ArrayGuestMemory.of(128 * MIB);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(image, initrd, "x"));
        assertEquals(0x100000 + 0x200, img.bootState().rip());
        assertArrayEquals(kernel, mem.read(0x100000, kernel.length));
        long rd = mem.u32(BP + 0x218);
        assertEquals(40 * MIB - 0x5000, rd, "highest page below initrd_addr_max");
        assertArrayEquals(initrd, mem.read(rd, initrd.length));
        assertEquals(0, mem.u64(BP + 0x070), "no RSDP given");
        assertEquals(1, mem.u8(BP + 0x1E8), "one e820 entry without an ACPI region");
    }

    @Test
    void initrdThatDoesNotFitIsRefusedBeforeAnyWrite() {
        byte[] image = synthetic(0x20F, 0x3, random(0x1000, 11));
        ArrayGuestMemory mem = ArrayGuestMemory.of(24 * MIB); // kernel 16-20 MiB, 4 MiB left
        LoaderException e = assertThrows(LoaderException.class,
                () -> new KernelLoader().load(mem, BootRequest.of(image, random(5 * (int) MIB, 12), "")));
        assertTrue(e.getMessage().contains("initrd"), e.getMessage());
        assertEquals(0, mem.writes);
    }

    @Test
    void oldProtocolIsRefused() {
        byte[] image = synthetic(0x20B, 0x3, random(0x1000, 4));
        assertRefused(image, "boot protocol 2.11, need 2.12 or later");
    }

    @Test
    void thirtyTwoBitOnlyKernelIsRefused() {
        assertRefused(synthetic(0x20F, 0x0, random(0x1000, 5)), "XLF_KERNEL_64");
    }

    @Test
    void truncatedBzImageIsRefused() {
        byte[] image = synthetic(0x20F, 0x3, random(0x1000, 6));
        assertRefused(Arrays.copyOf(image, 0x220), "truncated bzImage");
        assertRefused(Arrays.copyOf(image, image.length - 16), "truncated bzImage");
    }

    @Test
    void kernelThatDoesNotFitIsRefusedBeforeAnyWrite() {
        byte[] image = synthetic(0x20F, 0x3, random(0x1000, 7));
        ArrayGuestMemory mem = ArrayGuestMemory.of(18 * MIB); // init_size 4 MiB at 16 MiB does not fit
        LoaderException e = assertThrows(LoaderException.class,
                () -> new KernelLoader().load(mem, BootRequest.of(image, null, "")));
        assertTrue(e.getMessage().contains("outside guest RAM"), e.getMessage());
        assertEquals(0, mem.writes);
    }

    @Test
    void tooLongCmdlineIsRefused() {
        byte[] image = synthetic(0x20F, 0x3, random(0x1000, 8));
        ArrayGuestMemory mem = ArrayGuestMemory.of(64 * MIB);
        LoaderException e = assertThrows(LoaderException.class,
                () -> new KernelLoader().load(mem, BootRequest.of(image, null, "x".repeat(0x800))));
        assertTrue(e.getMessage().contains("command line"), e.getMessage());
        assertEquals(0, mem.writes);
    }

    static void assertRefused(byte[] image, String message) {
        LoaderException d = assertThrows(LoaderException.class, () -> ImageFormat.detect(image));
        assertTrue(d.getMessage().contains(message), d.getMessage());
        assertTrue(d.getMessage().startsWith(ImageFormat.NOT_BOOTABLE), d.getMessage());
        ArrayGuestMemory mem = ArrayGuestMemory.of(64 * MIB);
        assertThrows(LoaderException.class, () -> new KernelLoader().load(mem, BootRequest.of(image, null, "")));
        assertEquals(0, mem.writes);
    }

    /** /boot, then the caches, then apt-get download into ~/.cache/celadon/test-kernels. */
    static Optional<Path> realKernel() throws IOException, InterruptedException {
        Path home = Path.of(System.getProperty("user.home"), ".cache", "celadon");
        for (Path dir : List.of(Path.of("/boot"), home.resolve("test-kernels"), home.resolve("guest-kit"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.walk(dir, 6)) {
                    Optional<Path> k = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz"))
                            .filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).findFirst();
                    if (k.isPresent()) {
                        return k;
                    }
                }
            }
        }
        Path cache = home.resolve("test-kernels");
        Files.createDirectories(cache);
        if (run(cache, "apt-get", "download", "linux-image-cloud-amd64") != 0) {
            return Optional.empty();
        }
        // The metapackage only depends on the versioned image package (linux-image-<abi>-cloud-amd64); fetch it.
        try (Stream<Path> s = Files.list(cache)) {
            for (Path deb : s.filter(p -> p.getFileName().toString().startsWith("linux-image-cloud-amd64")).toList()) {
                Process p = new ProcessBuilder("dpkg-deb", "-f", deb.toString(), "Depends").start();
                String depends = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("linux-image-[0-9][^ ,(]*-cloud-amd64")
                        .matcher(depends);
                if (m.find()) {
                    run(cache, "apt-get", "download", m.group());
                }
            }
        }
        try (Stream<Path> s = Files.list(cache)) {
            for (Path deb : s.filter(p -> p.toString().endsWith(".deb")).toList()) {
                run(cache, "dpkg-deb", "-x", deb.toString(), cache.resolve("tree").toString());
            }
        }
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz")).findFirst();
        }
    }

    static int run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(300, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
