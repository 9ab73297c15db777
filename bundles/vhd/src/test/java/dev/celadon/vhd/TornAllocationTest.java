package dev.celadon.vhd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each state a block allocation passes through, made from the file before and after it: (1) the bitmap where
 * the footer was, (2) bitmap and data, no footer, (3) the new footer too, no BAT entry. Every state must open
 * in our code and in qemu, read as before the write, and take writes again once opened writable.
 */
class TornAllocationTest {
    static final int BAT = 1536; // footer copy + dynamic header: where our files put the BAT

    @TempDir
    Path dir;

    @Test
    void everyIntermediateStateOfAnAllocationIsUsable() throws Exception {
        long size = 16L << 20;
        Path vhd = dir.resolve("a.vhd");
        Vhd.create(vhd, size, Vhd.Type.DYNAMIC, null);
        byte[] first = new byte[70_000];
        new Random(1).nextBytes(first);
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            d.write(1000, first);
        }
        byte[] before = Files.readAllBytes(vhd);
        byte[] second = new byte[5000];
        new Random(2).nextBytes(second);
        long at = (5L << 20) + 300; // in block 2, not yet allocated
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            d.write(at, second);
        }
        byte[] after = Files.readAllBytes(vhd);
        int pos = before.length - 512;   // the new block starts where the footer was
        int dataEnd = pos + 512 + (int) ((at + second.length + 511) / 512 * 512 - (4L << 20));
        assertEquals(pos + 512 + (2 << 20) + 512, after.length, "block appended, footer after it");

        byte[] state1 = concat(Arrays.copyOf(before, pos), Arrays.copyOfRange(after, pos, pos + 512));
        byte[] state2 = Arrays.copyOf(after, dataEnd);
        byte[] state3 = after.clone();
        int batBytes = 512; // 8 entries, padded to a sector
        for (byte[] s : new byte[][] {state2, state3}) {
            System.arraycopy(before, BAT, s, BAT, batBytes); // the BAT entry not yet written
        }
        byte[] oldContent = new byte[(int) size];
        System.arraycopy(first, 0, oldContent, 1000, first.length);
        int n = 1;
        for (byte[] state : new byte[][] {state1, state2, state3}) {
            Path torn = dir.resolve("torn" + n++ + ".vhd");
            Files.write(torn, state);
            try (VirtualDisk d = Vhd.open(torn, true)) {
                byte[] all = new byte[(int) size];
                d.read(0, all);
                assertArrayEquals(oldContent, all, torn + " reads as before the write");
            }
            assertArrayEquals(oldContent, Files.readAllBytes(Qemu.toRaw(torn, dir)), torn + " in qemu");
            List<String> problems = Vhd.check(torn);
            assertTrue(problems.stream().allMatch(p -> p.contains("no valid footer at the end")), problems::toString);
            try (VirtualDisk d = Vhd.open(torn, false)) {
                d.write(at, second);
            }
            assertEquals(List.of(), Vhd.check(torn));
            byte[] want = oldContent.clone();
            System.arraycopy(second, 0, want, (int) at, second.length);
            assertArrayEquals(want, Files.readAllBytes(Qemu.toRaw(torn, dir)), torn + " after a new write");
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
