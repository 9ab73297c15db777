package dev.celadon.loader;

import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.loader.internal.KernelLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Multiboot kernel (src/test/resources/multiboot/mbtest.S), assembled and linked by binutils at test time
 * as an ELF32 and as a flat a.out-kludge image, loaded by us and, where QEMU is installed, booted by QEMU's own
 * Multiboot loader under TCG; the kernel prints what it finds in multiboot_info, which is compared with what
 * we write.
 */
class AssembledMultibootTest {
    static final long MIB = 1 << 20;
    static final long RAM = 64 * MIB;
    static final MemoryRegion ACPI = new MemoryRegion(0xE0000, 0x20000);
    static final String APPEND = "console=ttyS0 multiboot=yes";

    @TempDir
    Path dir;
    Path module;

    @BeforeEach
    void build() throws Exception {
        for (String f : List.of("mbtest.S", "mbtest.ld")) {
            try (InputStream in = getClass().getResourceAsStream("/multiboot/" + f)) {
                Files.write(dir.resolve(f), in.readAllBytes());
            }
        }
        Assumptions.assumeTrue(run("as", "--32", "-o", "k.o", "mbtest.S") == 0, "binutils (as) not installed");
        // gcc -m32 is not needed: the kernel is plain assembly, linked as i386.
        assertEquals(0, run("ld", "-m", "elf_i386", "-z", "max-page-size=0x1000", "-T", "mbtest.ld", "-o", "k.elf",
                "k.o"));
        assertEquals(0, run("as", "--32", "--defsym", "AOUT=1", "-o", "ka.o", "mbtest.S"));
        assertEquals(0, run("ld", "-m", "elf_i386", "-z", "max-page-size=0x1000", "-T", "mbtest.ld", "-o", "ka.elf",
                "ka.o"));
        assertEquals(0, run("objcopy", "-O", "binary", "ka.elf", "k.bin"));
        assertEquals(0, run("objcopy", "-O", "binary", "k.elf", "k.elf.bin"));
        module = dir.resolve("module.bin");
        byte[] m = new byte[12345];
        new Random(42).nextBytes(m);
        Files.write(module, m);
    }

    /** What a kernel reports, or what we wrote, in multiboot_info. */
    record Seen(long magic, long flags, long memLower, long memUpper, String cmdline, List<long[]> mods,
                List<String> modStrings, List<long[]> mmap, String loader) {
        long ramEntryLength(long base) {
            return mmap.stream().filter(e -> e[0] == base && e[2] == 1).mapToLong(e -> e[1]).findFirst().orElse(-1);
        }
    }

    @Test
    void elfKernelIsLoadedAsTheLinkerLaidItOut() throws Exception {
        ours(dir.resolve("k.elf"), dir.resolve("k.elf.bin"), dir.resolve("k.elf"));
    }

    @Test
    void aoutKludgeKernelIsLoadedFromItsHeaderFields() throws Exception {
        ours(dir.resolve("k.bin"), dir.resolve("k.bin"), dir.resolve("ka.elf"));
    }

    @Test
    void qemuPassesTheSameAsUsToTheElfKernel() throws Exception {
        compareWithQemu(dir.resolve("k.elf"), dir.resolve("k.elf"));
    }

    @Test
    void qemuPassesTheSameAsUsToTheAoutKernel() throws Exception {
        compareWithQemu(dir.resolve("k.bin"), dir.resolve("ka.elf"));
    }

    /** Loads {@code kernel} from its file and checks memory against the linked image and the symbols. */
    Seen ours(Path kernel, Path flat, Path symbolsFrom) throws Exception {
        assertEquals(ImageFormat.MULTIBOOT, ImageFormat.detect(kernel));
        Map<String, Long> sym = symbols(symbolsFrom);
        ArrayGuestMemory mem = ArrayGuestMemory.of(RAM);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.ofFiles(kernel, module, APPEND).withAcpi(0xE0000, ACPI));
        System.out.println(img.summary());
        BootState s = img.bootState();
        MultibootLoaderTest.checkEntryState(mem, s, sym.get("_start"));
        byte[] image = Files.readAllBytes(flat);
        long start = sym.get("__load_start");
        long loadEnd = sym.get("__load_end");
        long bssEnd = sym.get("__bss_end");
        assertEquals(0x100000, start);
        assertArrayEquals(Arrays.copyOf(image, (int) (loadEnd - start)), mem.read(start, (int) (loadEnd - start)),
                "text, rodata and data as objcopy extracts them");
        assertArrayEquals(new byte[(int) (bssEnd - loadEnd)], mem.read(loadEnd, (int) (bssEnd - loadEnd)), "bss");

        MultibootLoaderTest.Info info = MultibootLoaderTest.info(mem, s.rbx());
        MultibootLoaderTest.Module m = info.modules().get(0);
        assertEquals(1, info.modules().size());
        assertTrue(m.start() >= bssEnd && m.start() % 4096 == 0, "page-aligned, after the kernel's bss");
        assertArrayEquals(Files.readAllBytes(module), mem.read(m.start(), (int) (m.end() - m.start())));
        assertEquals(module.toString(), m.string());
        assertEquals(APPEND, info.cmdline());
        List<long[]> mods = List.<long[]>of(new long[] {m.start(), m.end(), fnv(mem.read(m.start(),
                (int) (m.end() - m.start())))});
        return new Seen(s.rax(), info.flags(), info.memLower(), info.memUpper(), info.cmdline(), mods,
                List.of(m.string()), info.mmap(), info.bootLoaderName());
    }

    void compareWithQemu(Path kernel, Path symbolsFrom) throws Exception {
        Assumptions.assumeTrue(run("qemu-system-x86_64", "--version") == 0,
                "qemu-system-x86_64 not installed: the QEMU comparison is skipped");
        Seen ours = ours(kernel, kernel.toString().endsWith(".bin") ? kernel : dir.resolve("k.elf.bin"), symbolsFrom);
        Path out = dir.resolve("debugcon.txt");
        // QEMU's -kernel takes the Multiboot path for anything without "HdrS"; its option ROM gets the memory
        // information from the BIOS (int 15h), so it differs from ours by what SeaBIOS reserves.
        int rc = run("timeout", "120", "qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-m", "64",
                "-kernel", kernel.toString(), "-initrd", module.toString(), "-append", APPEND, "-nographic",
                "-no-reboot", "-debugcon", "file:" + out, "-device", "isa-debug-exit,iobase=0xf4,iosize=4");
        String text = Files.exists(out) ? Files.readString(out, StandardCharsets.ISO_8859_1) : "";
        System.out.println("QEMU's multiboot_info as the kernel saw it:\n" + text);
        assertEquals(33, rc, "the kernel ran to its isa-debug-exit (code 0x10 -> 33)");
        Seen qemu = parse(text);

        for (Seen s : List.of(ours, qemu)) {
            assertEquals(0x2BADB002L, s.magic());
            assertEquals(1 | 4 | 8 | 0x40 | 0x200, s.flags() & (1 | 4 | 8 | 0x40 | 0x200), "mem, cmdline, mods, mmap, name");
            // The spec's rules, whoever the boot loader: mem_lower/upper are the RAM from 0 and from 1 MiB.
            assertEquals(Math.min(640, s.ramEntryLength(0) / 1024), s.memLower(), "mem_lower");
            assertEquals(s.ramEntryLength(0x100000) / 1024, s.memUpper(), "mem_upper");
            assertEquals(1, s.mods().size());
            assertEquals(Files.size(module), s.mods().get(0)[1] - s.mods().get(0)[0], "module size");
            assertEquals(fnv(Files.readAllBytes(module)), s.mods().get(0)[2], "module contents (FNV-1a)");
            assertEquals(0, s.mods().get(0)[0] % 4096);
            assertEquals(module.toString(), s.modStrings().get(0));
        }
        assertEquals((RAM - MIB) / 1024, ours.memUpper(), "ours: all RAM above 1 MiB");
        assertTrue(qemu.memUpper() <= ours.memUpper() && qemu.memUpper() >= ours.memUpper() - 1024,
                "QEMU's BIOS keeps a little at the top (" + qemu.memUpper() + " vs " + ours.memUpper() + " KiB)");
        // QEMU (like GRUB legacy) puts the kernel's file name first; we pass the command line as given.
        assertEquals(kernel + " " + APPEND, qemu.cmdline());
        assertEquals(APPEND, ours.cmdline());
        assertEquals("qemu", qemu.loader());
        assertEquals("Celadon", ours.loader());
    }

    static Seen parse(String text) {
        Map<String, String> kv = new HashMap<>();
        List<long[]> mods = new ArrayList<>();
        List<String> modStrings = new ArrayList<>();
        List<long[]> mmap = new ArrayList<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            String[] f = value.split(" ", 4);
            switch (key) {
                case "mod" -> {
                    mods.add(new long[] {hex(f[0]), hex(f[1]), hex(f[2])});
                    modStrings.add(f[3]);
                }
                case "mmap" -> mmap.add(new long[] {Long.parseUnsignedLong(f[0], 16), Long.parseUnsignedLong(f[1], 16),
                        hex(f[2])});
                default -> kv.put(key, value);
            }
        }
        assertTrue(text.contains("done"), "the kernel finished: " + text);
        return new Seen(hex(kv.get("magic")), hex(kv.get("flags")), hex(kv.get("mem_lower")), hex(kv.get("mem_upper")),
                kv.get("cmdline"), mods, modStrings, mmap, kv.get("loader"));
    }

    static long hex(String s) {
        return Long.parseLong(s, 16);
    }

    /** FNV-1a, 32 bits, as the kernel computes it over [mod_start, mod_end). */
    static long fnv(byte[] b) {
        int h = 0x811c9dc5;
        for (byte x : b) {
            h ^= x & 0xff;
            h *= 0x01000193;
        }
        return h & 0xffff_ffffL;
    }

    Map<String, Long> symbols(Path elf) throws Exception {
        Process p = new ProcessBuilder("nm", elf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        Map<String, Long> m = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                m.put(f[2], Long.parseLong(f[0], 16));
            }
        }
        return m;
    }

    int run(String... cmd) throws Exception {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(150, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            if (p.exitValue() != 0 && !cmd[0].equals("timeout")) {
                System.err.println(String.join(" ", cmd) + ": " + out);
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1; // tool not installed
        }
    }
}
