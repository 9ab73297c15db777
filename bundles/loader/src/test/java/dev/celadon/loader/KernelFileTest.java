package dev.celadon.loader;

import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.loader.internal.KernelLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernels and initrds from files: size caps before reading, detection from the headers alone, payloads streamed
 * into guest memory in bounded pieces (heap allocation measured per thread), and the same guest memory as
 * loading the bytes.
 */
class KernelFileTest {
    static final long MIB = 1 << 20;
    static final MemoryRegion ACPI = new MemoryRegion(0xE0000, 0x20000);

    @TempDir
    Path dir;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Heap bytes this thread allocates while running {@code r}. */
    static <T> long allocated(Supplier<T> r) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        r.get();
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    Path sparse(String name, byte[] start, long size) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(start);
            f.setLength(size); // a hole: no disk space used
        }
        return p;
    }

    @Test
    void oversizedFilesAreRefusedBeforeAnythingIsRead() throws Exception {
        Path big = sparse("big.img", new byte[0], KernelFile.KERNEL_LIMIT + 1);
        long[] alloc = new long[1];
        LoaderException e = assertThrows(LoaderException.class,
                () -> alloc[0] = allocated(() -> KernelFile.openKernel(big)));
        assertTrue(e.getMessage().contains(big.toString()), e.getMessage());
        assertTrue(e.getMessage().contains((KernelFile.KERNEL_LIMIT + 1) + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("over the 512 MiB limit for kernels"), e.getMessage());
        // Under the initrd cap, the same file opens, reading only its first 8 KiB.
        long a = allocated(() -> KernelFile.openInitrd(big));
        assertTrue(a < MIB, "opening allocated " + a + " bytes");
        assertEquals(KernelFile.KERNEL_LIMIT + 1, KernelFile.openInitrd(big).size());
        assertEquals(8192, KernelFile.openInitrd(big).head().length);

        Path huge = sparse("huge.img", new byte[0], KernelFile.INITRD_LIMIT + 1);
        LoaderException i = assertThrows(LoaderException.class, () -> KernelFile.openInitrd(huge));
        assertTrue(i.getMessage().contains("over the 2048 MiB limit for initrds"), i.getMessage());
        assertTrue(i.getMessage().contains(huge.toString()), i.getMessage());
    }

    @Test
    void missingFilesAndDirectoriesAreNamed() {
        Path none = dir.resolve("no-such-kernel");
        LoaderException e = assertThrows(LoaderException.class, () -> BootRequest.ofFiles(none, null, ""));
        assertTrue(e.getMessage().contains(none.toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());
        LoaderException d = assertThrows(LoaderException.class, () -> KernelFile.openInitrd(dir));
        assertTrue(d.getMessage().contains("not a regular file"), d.getMessage());
    }

    @Test
    void detectionReadsOnlyTheHeaders() throws Exception {
        // Valid headers at the front of a 400 MiB file: detection must not read the rest.
        byte[] elf = new TestElf().segment(0x100000, random(0x1000, 1), 0x1000).entry(0x100000).build();
        Path pvh = sparse("vmlinux", elf, 400 * MIB);
        byte[] bz = BzImageLoaderTest.synthetic(0x20F, 0x3, random(0x1000, 2));
        Path bzImage = sparse("vmlinuz", bz, 400 * MIB);
        byte[] mb = TestMultiboot.concat(TestMultiboot.header(0x10000, 0x100000, 0x100000, 0x200000, 0, 0x100000));
        Path multiboot = sparse("mb.bin", mb, 400 * MIB);
        ImageFormat[] got = new ImageFormat[3];
        long a = allocated(() -> {
            got[0] = ImageFormat.detect(pvh);
            got[1] = ImageFormat.detect(bzImage);
            got[2] = ImageFormat.detect(multiboot);
            return null;
        });
        assertArrayEquals(new ImageFormat[] {ImageFormat.PVH_ELF, ImageFormat.BZIMAGE, ImageFormat.MULTIBOOT}, got);
        assertTrue(a < 2 * MIB, "detecting three 400 MiB files allocated " + a + " bytes");
    }

    @Test
    void initrdIsStreamedInBoundedPieces() throws Exception {
        byte[] initrd = random(24 * (int) MIB + 77, 3);
        Path initrdFile = dir.resolve("initrd.img");
        Files.write(initrdFile, initrd);
        byte[] elf = new TestElf().segment(0x100000, random(0x3000, 4), 0x5000).entry(0x100000).build();
        Path kernelFile = dir.resolve("vmlinux");
        Files.write(kernelFile, elf);
        ArrayGuestMemory mem = ArrayGuestMemory.of(64 * MIB);
        BootRequest request = BootRequest.ofFiles(kernelFile, initrdFile, "x").withAcpi(0xE0000, ACPI);
        long a = allocated(() -> new KernelLoader().load(mem, request));
        assertTrue(a < 4 * MIB, "loading a 24 MiB initrd allocated " + a + " bytes");
        assertTrue(mem.maxWrite <= KernelFile.CHUNK, "largest write " + mem.maxWrite);
        long mod = mem.u64(mem.u64(0x2000 + 0x10));
        assertArrayEquals(initrd, mem.read(mod, initrd.length));
    }

    @Test
    void loadingFromFilesGivesTheSameMemoryAsLoadingBytes() throws Exception {
        byte[] initrd = random(3 * (int) MIB + 5, 5);
        byte[] pvh = new TestElf().segment(0x100000, random(0x3000, 6), 0x5000).segment(0x200000, random(0x800, 7),
                0x800).entry(0x100000).build();
        byte[] bz = BzImageLoaderTest.synthetic(0x20F, 0x3, random(0x10000, 8));
        byte[] mbText = TestMultiboot.concat(TestMultiboot.header(3), random(0x2000, 9));
        byte[] mb = new TestMultiboot.Elf32().segment(0x100000, mbText, 0x4000).entry(0x100000).build();
        for (byte[] kernel : new byte[][] {pvh, bz, mb}) {
            sameMemory(kernel, initrd, 64 * MIB);
        }
    }

    @Test
    void realDebianKernelFromItsFile() throws Exception {
        Path vmlinuz = BzImageLoaderTest.realKernel().orElse(null);
        Assumptions.assumeTrue(vmlinuz != null, "no bzImage in /boot, ~/.cache/celadon and apt-get download failed");
        assertEquals(ImageFormat.BZIMAGE, ImageFormat.detect(vmlinuz));
        ArrayGuestMemory mem = sameMemory(Files.readAllBytes(vmlinuz), random((int) MIB, 10), 128 * MIB);
        assertTrue(mem.maxWrite <= KernelFile.CHUNK, "largest write " + mem.maxWrite);
    }

    ArrayGuestMemory sameMemory(byte[] kernel, byte[] initrd, long ram) throws Exception {
        Path k = dir.resolve("kernel-" + Arrays.hashCode(kernel));
        Path i = dir.resolve("initrd-" + Arrays.hashCode(initrd));
        Files.write(k, kernel);
        Files.write(i, initrd);
        ArrayGuestMemory fromBytes = ArrayGuestMemory.of(ram);
        ArrayGuestMemory fromFiles = ArrayGuestMemory.of(ram);
        LoadedImage b = new KernelLoader().load(fromBytes, new BootRequest(kernel, initrd, "c", 0xE0000, ACPI));
        LoadedImage f = new KernelLoader().load(fromFiles, BootRequest.ofFiles(k, i, "c").withAcpi(0xE0000, ACPI));
        assertEquals(b.format(), f.format());
        assertEquals(b.bootState(), f.bootState());
        if (b.format() == ImageFormat.MULTIBOOT) {
            // the module string names its source: "initrd" for bytes, the path for a file
            long s = fromFiles.u32(fromFiles.u32(b.bootState().rbx() + 24) + 8);
            assertEquals(i.toString(), MultibootLoaderTest.cstring(fromFiles, s));
            fromFiles.write(s, fromBytes.read(s, i.toString().length() + 1));
        }
        assertTrue(Arrays.equals(fromBytes.region(0), fromFiles.region(0)), b.format() + ": guest memory differs");
        return fromFiles;
    }

    @Test
    void aFileThatChangesAfterOpeningIsRefused() throws Exception {
        byte[] elf = new TestElf().segment(0x100000, random(0x1000, 11), 0x1000).entry(0x100000).build();
        Path k = dir.resolve("vmlinux");
        Files.write(k, elf);
        BootRequest request = BootRequest.ofFiles(k, null, "");
        Files.write(k, Arrays.copyOf(elf, elf.length + 100));
        ArrayGuestMemory mem = ArrayGuestMemory.of(16 * MIB);
        LoaderException e = assertThrows(LoaderException.class, () -> new KernelLoader().load(mem, request));
        assertTrue(e.getMessage().contains("changed while loading"), e.getMessage());
    }
}
