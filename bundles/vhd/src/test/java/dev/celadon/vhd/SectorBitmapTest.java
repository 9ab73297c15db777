package dev.celadon.vhd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sector bitmaps as other tools leave them: bits cleared in the file (sector 0 is the most significant bit of
 * byte 0, per the specification) make those sectors read as zeros in a dynamic disk and as the parent's data in
 * a differencing one; a write sets exactly the bits of the sectors it touches, on disk after flush.
 */
class SectorBitmapTest {
    @TempDir
    Path dir;

    private static long blockOffset(Path vhd, int block) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "r")) {
            f.seek(512 + 16); // dynamic header: table offset
            long bat = f.readLong();
            f.seek(bat + 4L * block);
            return Integer.toUnsignedLong(f.readInt()) * 512;
        }
    }

    private static void poke(Path vhd, long at, int value) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "rw")) {
            f.seek(at);
            f.write(value);
        }
    }

    private static int peek(Path vhd, long at) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "r")) {
            f.seek(at);
            return f.read();
        }
    }

    @Test
    void dynamicDiskHonoursClearedBits() throws Exception {
        Path vhd = dir.resolve("d.vhd");
        Vhd.create(vhd, 4L << 20, Vhd.Type.DYNAMIC, null);
        byte[] block = new byte[2 << 20];
        new Random(4).nextBytes(block);
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            d.write(0, block);
        }
        long bitmap = blockOffset(vhd, 0);
        assertEquals(0xFF, peek(vhd, bitmap), "our dynamic blocks are written fully present");
        poke(vhd, bitmap, 0x00);            // sectors 0-7 not present
        poke(vhd, bitmap + 12, 0b1101_1111); // sector 12*8+2 = 98 not present
        byte[] want = block.clone();
        Arrays.fill(want, 0, 8 * 512, (byte) 0);
        Arrays.fill(want, 98 * 512, 99 * 512, (byte) 0);
        byte[] got = new byte[block.length];
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            d.read(0, got);
            assertArrayEquals(want, got);
            byte[] small = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
            d.write(3 * 512 + 5, small); // inside a sector that is not present: the rest of it stays zero
            System.arraycopy(small, 0, want, 3 * 512 + 5, small.length);
        }
        assertEquals(0x10, peek(vhd, bitmap), "flush wrote the bit of sector 3 only");
        try (VirtualDisk d = Vhd.open(vhd, true)) {
            d.read(0, got);
            assertArrayEquals(want, got);
        }
    }

    @Test
    void differencingDiskReadsTheParentForClearedBits() throws Exception {
        Path parent = dir.resolve("p.vhd");
        Vhd.create(parent, 4L << 20, Vhd.Type.DYNAMIC, null);
        byte[] p = new byte[2 << 20];
        new Random(5).nextBytes(p);
        try (VirtualDisk d = Vhd.open(parent, false)) {
            d.write(0, p);
        }
        Path child = dir.resolve("c.vhd");
        Vhd.create(child, 0, Vhd.Type.DIFFERENCING, parent);
        byte[] c = new byte[3000];
        new Random(6).nextBytes(c);
        try (VirtualDisk d = Vhd.open(child, false)) {
            d.write(1024 + 100, c); // sectors 2..8, the first and last partly
        }
        long bitmap = blockOffset(child, 0);
        assertEquals(0b0011_1111, peek(child, bitmap), "sectors 2-7 present");
        assertEquals(0b1000_0000, peek(child, bitmap + 1), "sector 8 present");
        byte[] want = p.clone();
        System.arraycopy(c, 0, want, 1124, c.length);
        byte[] got = new byte[p.length];
        try (VirtualDisk d = Vhd.open(child, true)) {
            d.read(0, got);
        }
        assertArrayEquals(want, got);
        poke(child, bitmap, 0b0001_1111); // sector 2 back to the parent's
        System.arraycopy(p, 1024, want, 1024, 512);
        try (VirtualDisk d = Vhd.open(child, true)) {
            d.read(0, got);
        }
        assertArrayEquals(want, got);
    }
}
