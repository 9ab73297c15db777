package dev.celadon.loader;

import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.loader.internal.KernelLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A PVH kernel assembled and linked by binutils at test time, so the ELF layout is the toolchain's, not ours. */
class AssembledPvhElfTest {
    static final String SOURCE = """
            .section .note.Xen, "a", @note
            .align 4
            .long 4, 8, 18
            .asciz "Xen"
            .quad _start
            .text
            .code32
            .globl _start
            _start:
              movl $0x3f8, %edx
            1: hlt
              jmp 1b
            .data
            msg: .ascii "celadon pvh test"
            .bss
            .lcomm buf, 8192
            """;
    static final String SCRIPT = """
            ENTRY(_start)
            SECTIONS {
              . = 0x100000;
              .text : { *(.text) }
              .note : { *(.note.*) }
              . = ALIGN(0x1000);
              .data : { *(.data) }
              .bss : { *(.bss) }
            }
            """;

    @TempDir
    Path dir;

    @Test
    void loadsTheLinkedKernel() throws Exception {
        Files.writeString(dir.resolve("k.S"), SOURCE);
        Files.writeString(dir.resolve("k.ld"), SCRIPT);
        Assumptions.assumeTrue(run("as", "--64", "-o", "k.o", "k.S") == 0, "binutils (as) not installed");
        assertEquals(0, run("ld", "-m", "elf_x86_64", "-z", "max-page-size=0x1000", "-T", "k.ld", "-o", "k.elf", "k.o"));
        byte[] elf = Files.readAllBytes(dir.resolve("k.elf"));
        assertEquals(ImageFormat.PVH_ELF, ImageFormat.detect(elf));

        ArrayGuestMemory mem = ArrayGuestMemory.of(32 << 20);
        LoadedImage img = new KernelLoader().load(mem, BootRequest.of(elf, null, "quiet"));
        BootState s = img.bootState();
        assertEquals(0x100000, s.rip());
        // movl $0x3f8, %edx = ba f8 03 00 00; hlt = f4
        assertArrayEquals(new byte[] {(byte) 0xba, (byte) 0xf8, 0x03, 0, 0, (byte) 0xf4}, mem.read(0x100000, 6));
        assertEquals("celadon pvh test", new String(mem.read(0x101000, 16), StandardCharsets.US_ASCII));
        byte[] bss = mem.read(0x101010, 8192);
        assertTrue(Arrays.equals(bss, new byte[8192]), "bss zeroed");
        assertEquals(0x336ec578, ByteBuffer.wrap(mem.read(s.rbx(), 4)).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    int run(String... cmd) throws Exception {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            if (p.exitValue() != 0) {
                System.err.println(String.join(" ", cmd) + ": " + out);
            }
            return p.exitValue();
        } catch (java.io.IOException e) {
            return -1; // tool not installed
        }
    }
}
