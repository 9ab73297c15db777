package dev.celadon.vhd;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Seeded random writes through a {@link VirtualDisk}, mirrored into a raw shadow file: unaligned offsets and
 * lengths, small ones, sector-sized ones and ones spanning several blocks. Some reads are checked on the way.
 */
final class RandomWrites {
    private RandomWrites() {
    }

    static void apply(VirtualDisk disk, Path shadow, long seed, int count) throws IOException {
        Random r = new Random(seed);
        long size = disk.size();
        try (RandomAccessFile s = new RandomAccessFile(shadow.toFile(), "rw")) {
            if (s.length() < size) {
                s.setLength(size);
            }
            for (int i = 0; i < count; i++) {
                int len = switch (r.nextInt(4)) {
                    case 0 -> 1 + r.nextInt(700);            // unaligned, inside or across a sector
                    case 1 -> 512 * (1 + r.nextInt(16));     // whole sectors
                    case 2 -> 1 + r.nextInt(64 * 1024);
                    default -> 1 + r.nextInt(5 << 20);       // spans blocks
                };
                long off = (long) (r.nextDouble() * (size - 1));
                if (r.nextInt(3) == 0) {
                    off &= ~511L;
                }
                len = (int) Math.min(len, size - off);
                byte[] data = new byte[len];
                r.nextBytes(data);
                if (r.nextInt(10) == 0) {
                    java.util.Arrays.fill(data, (byte) 0); // zeros are data too
                }
                disk.write(off, ByteBuffer.wrap(data));
                s.seek(off);
                s.write(data);
                if (r.nextInt(4) == 0) {
                    long roff = Math.max(0, off - r.nextInt(3000));
                    int rlen = (int) Math.min(len + 6000, size - roff);
                    byte[] got = new byte[rlen];
                    disk.read(roff, got);
                    byte[] want = new byte[rlen];
                    s.seek(roff);
                    s.readFully(want);
                    assertArrayEquals(want, got, "read back at " + roff + " after write " + i);
                }
                if (r.nextInt(8) == 0) {
                    disk.flush();
                }
            }
        }
    }
}
