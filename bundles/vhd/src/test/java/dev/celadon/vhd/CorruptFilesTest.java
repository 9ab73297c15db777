package dev.celadon.vhd;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VHD is untrusted input: damaged files are refused with a message naming the file and the field, and check
 * lists the problem. The damage is done to the bytes at the specification's offsets.
 */
class CorruptFilesTest {
    // Offsets from the VHD specification, independent of the code under test.
    static final int F_DATA_OFFSET = 16, F_CURRENT_SIZE = 48, F_TYPE = 60, F_CHECKSUM = 64;
    static final int H_TABLE_OFFSET = 16, H_MAX_ENTRIES = 28, H_BLOCK_SIZE = 32, H_CHECKSUM = 36;

    @TempDir
    Path dir;
    Path vhd;
    byte[] data;

    @BeforeEach
    void makeDisk() throws IOException {
        vhd = dir.resolve("disk.vhd");
        Vhd.create(vhd, 8L << 20, Vhd.Type.DYNAMIC, null);
        data = new byte[300_000];
        new Random(9).nextBytes(data);
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            d.write(3 << 20, data);
            d.write(100, data);
        }
    }

    private long length() throws IOException {
        return Files.size(vhd);
    }

    private void patch(long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }

    private byte[] read(long at, int n) throws IOException {
        byte[] b = new byte[n];
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "r")) {
            f.seek(at);
            f.readFully(b);
        }
        return b;
    }

    /** Sets a field of a structure at {@code base} and recomputes its checksum, so only the field is wrong. */
    private void setField(long base, int structSize, int checksumAt, int field, long value, int width)
            throws IOException {
        byte[] s = read(base, structSize);
        ByteBuffer b = ByteBuffer.wrap(s);
        if (width == 8) {
            b.putLong(field, value);
        } else {
            b.putInt(field, (int) value);
        }
        b.putInt(checksumAt, 0);
        int sum = 0;
        for (byte x : s) {
            sum += x & 0xFF;
        }
        b.putInt(checksumAt, ~sum);
        patch(base, s);
    }

    private void setFooterField(int field, long value, int width) throws IOException {
        setField(0, 512, F_CHECKSUM, field, value, width);
        setField(length() - 512, 512, F_CHECKSUM, field, value, width);
    }

    private void setHeaderField(int field, long value, int width) throws IOException {
        setField(512, 1024, H_CHECKSUM, field, value, width);
    }

    private VhdException refused(String... words) throws IOException {
        VhdException e = assertThrows(VhdException.class, () -> Vhd.open(vhd, true).close());
        assertTrue(e.getMessage().startsWith(vhd.toString()), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), () -> "'" + w + "' not in: " + e.getMessage());
        }
        List<String> problems = Vhd.check(vhd);
        assertFalse(problems.isEmpty(), "check must see it too");
        return e;
    }

    @Test
    void theUndamagedDiskIsSound() throws IOException {
        assertEquals(List.of(), Vhd.check(vhd));
        try (VirtualDisk d = Vhd.open(vhd, true)) {
            byte[] got = new byte[data.length];
            d.read(3 << 20, got);
            assertArrayEquals(data, got);
        }
    }

    @Test
    void flippedFooterChecksum() throws IOException {
        for (long at : new long[] {F_CHECKSUM + 2, length() - 512 + F_CHECKSUM + 2}) {
            byte[] b = read(at, 1);
            b[0] ^= 0x10;
            patch(at, b);
        }
        refused("footer", "checksum");
    }

    @Test
    void flippedDataByteInFooterWithoutFixingTheChecksum() throws IOException {
        long end = length() - 512;
        for (long at : new long[] {F_CURRENT_SIZE + 3, end + F_CURRENT_SIZE + 3}) {
            byte[] b = read(at, 1);
            b[0] ^= 1;
            patch(at, b);
        }
        refused("checksum");
    }

    @Test
    void onlyTheTrailingFooterLostStillOpensThroughTheCopy() throws IOException {
        patch(length() - 512, new byte[512]);
        try (VirtualDisk d = Vhd.open(vhd, true)) {
            byte[] got = new byte[data.length];
            d.read(100, got);
            assertArrayEquals(data, got);
        }
        List<String> problems = Vhd.check(vhd);
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).contains("no valid footer at the end"), problems::toString);
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            d.flush(); // a writable open puts the footer back
        }
        assertEquals(List.of(), Vhd.check(vhd));
    }

    @Test
    void flippedHeaderChecksum() throws IOException {
        byte[] b = read(512 + H_CHECKSUM, 1);
        b[0] ^= (byte) 0x80;
        patch(512 + H_CHECKSUM, b);
        refused("dynamic header checksum");
    }

    @Test
    void batEntryPastTheEnd() throws IOException {
        long bat = ByteBuffer.wrap(read(512 + H_TABLE_OFFSET, 8)).getLong();
        patch(bat + 4 * 3, ByteBuffer.allocate(4).putInt((int) (length() / 512 + 10)).array());
        refused("BAT entry 3", "past the end");
    }

    @Test
    void batEntryOverlappingTheBat() throws IOException {
        long bat = ByteBuffer.wrap(read(512 + H_TABLE_OFFSET, 8)).getLong();
        patch(bat + 4, ByteBuffer.allocate(4).putInt((int) (bat / 512)).array());
        refused("overlaps", "BAT");
    }

    @Test
    void twoBlocksSharingSpace() throws IOException {
        long bat = ByteBuffer.wrap(read(512 + H_TABLE_OFFSET, 8)).getLong();
        byte[] first = read(bat, 4); // block 0 is allocated (written at offset 100)
        patch(bat + 4 * 2, first);
        refused("overlaps", "block");
    }

    @Test
    void aMillionBatEntriesOnOneBlockAreRefusedCheaply() throws IOException {
        vhd = dir.resolve("big.vhd");
        Vhd.create(vhd, 1000L << 30, Vhd.Type.DYNAMIC, null); // 512,000 entries
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            d.write(0, new byte[] {1});
        }
        long bat = ByteBuffer.wrap(read(512 + H_TABLE_OFFSET, 8)).getLong();
        byte[] entry = read(bat, 4);
        ByteBuffer all = ByteBuffer.allocate(512_000 * 4);
        while (all.hasRemaining()) {
            all.put(entry);
        }
        patch(bat, all.array());
        refused("overlaps", "more problems");
        List<String> problems = Vhd.check(vhd);
        assertTrue(problems.size() <= 101, "capped: " + problems.size());
    }

    @Test
    void absurdBlockSize() throws IOException {
        setHeaderField(H_BLOCK_SIZE, 3 << 20, 4);
        refused("block size", "power of two");
        setHeaderField(H_BLOCK_SIZE, 1L << 31, 4);
        refused("block size");
    }

    @Test
    void absurdTableEntries() throws IOException {
        setHeaderField(H_MAX_ENTRIES, 0xFFFF_FFF0L, 4);
        refused("max table entries");
        setHeaderField(H_MAX_ENTRIES, 1, 4);
        refused("max table entries", "do not cover");
    }

    @Test
    void absurdSizes() throws IOException {
        setFooterField(F_CURRENT_SIZE, 1L << 60, 8);
        refused("current size");
        setFooterField(F_CURRENT_SIZE, (8L << 20) + 3, 8);
        refused("current size");
    }

    @Test
    void headerPastTheEnd() throws IOException {
        setFooterField(F_DATA_OFFSET, length() + 4096, 8);
        refused("data offset");
    }

    @Test
    void unknownDiskType() throws IOException {
        setFooterField(F_TYPE, 5, 4);
        refused("disk type", "5");
    }

    @Test
    void truncatedInsideABlock() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "rw")) {
            f.setLength(f.length() - (1 << 20));
        }
        refused("past the end");
    }

    @Test
    void fixedDiskTruncated() throws IOException {
        Path fixed = dir.resolve("fixed.vhd");
        Vhd.create(fixed, 4L << 20, Vhd.Type.FIXED, null);
        byte[] footer = new byte[512];
        try (RandomAccessFile f = new RandomAccessFile(fixed.toFile(), "rw")) {
            f.seek(f.length() - 512);
            f.readFully(footer);
            f.setLength(3L << 20);
            f.seek(f.length() - 512);
            f.write(footer); // a valid footer on too little data
        }
        VhdException e = assertThrows(VhdException.class, () -> Vhd.open(fixed, true));
        assertTrue(e.getMessage().contains("current size") && e.getMessage().contains(fixed.toString()),
                e.getMessage());
    }

    @Test
    void notAVhd() throws IOException {
        Path junk = dir.resolve("junk.img");
        byte[] b = new byte[64 * 1024];
        new Random(1).nextBytes(b);
        Files.write(junk, b);
        VhdException e = assertThrows(VhdException.class, () -> Vhd.open(junk, true));
        assertTrue(e.getMessage().contains("cookie"), e.getMessage());
        assertEquals(Vhd.Type.RAW, Vhd.info(junk).type());
    }

    @Test
    void differencingWithTheWrongParent() throws IOException {
        Path parent = dir.resolve("parent.vhd");
        Vhd.create(parent, 8L << 20, Vhd.Type.DYNAMIC, null);
        Path child = dir.resolve("child.vhd");
        Vhd.create(child, 0, Vhd.Type.DIFFERENCING, parent);
        Files.delete(parent);
        Vhd.create(parent, 8L << 20, Vhd.Type.DYNAMIC, null); // same name, another disk
        VhdException e = assertThrows(VhdException.class, () -> Vhd.open(child, true));
        assertTrue(e.getMessage().contains("no parent with unique id"), e.getMessage());
        assertFalse(Vhd.check(child).isEmpty());
        Files.delete(parent);
        e = assertThrows(VhdException.class, () -> Vhd.open(child, true));
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }

    @Test
    void differencingWithAChangedParentTimeStamp() throws IOException {
        Path child = dir.resolve("child.vhd");
        Vhd.create(child, 0, Vhd.Type.DIFFERENCING, vhd);
        Vhd.open(child, true).close();
        // The parent's footer time stamp (offset 24) changes, as a tool rewriting the parent would leave it;
        // its mtime is set far from the recorded stamp so that neither convention matches.
        setFooterField(24, 12345, 4);
        Files.setLastModifiedTime(vhd, java.nio.file.attribute.FileTime.from(java.time.Instant.parse(
                "2010-01-01T00:00:00Z")));
        VhdException e = assertThrows(VhdException.class, () -> Vhd.open(child, true));
        assertTrue(e.getMessage().contains("parent time stamp") && e.getMessage().startsWith(child.toString()),
                e.getMessage());
        assertFalse(Vhd.check(child).isEmpty());
    }

    @Test
    void differencingFollowsTheRelativeLocatorWhenMoved() throws IOException {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path parent = a.resolve("parent.vhd");
        Vhd.create(parent, 8L << 20, Vhd.Type.DYNAMIC, null);
        try (VirtualDisk d = Vhd.open(parent, false)) {
            d.write(0, data);
        }
        Path child = a.resolve("child.vhd");
        Vhd.create(child, 0, Vhd.Type.DIFFERENCING, parent);
        Path b = dir.resolve("b");
        Files.move(a, b, StandardCopyOption.ATOMIC_MOVE); // the absolute locator is now stale
        try (VirtualDisk d = Vhd.open(b.resolve("child.vhd"), true)) {
            byte[] got = new byte[data.length];
            d.read(0, got);
            assertArrayEquals(data, got);
        }
    }

    @Test
    void writableOpensAreExclusive() throws IOException {
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            VhdException e = assertThrows(VhdException.class, () -> Vhd.open(vhd, false));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
            assertThrows(VhdException.class, () -> Vhd.compact(vhd));
            try (VirtualDisk r = Vhd.open(vhd, true)) {
                assertEquals(d.size(), r.size()); // readers are fine
            }
        }
    }

    @Test
    void outOfRangeAndReadOnlyAccessRefused() throws IOException {
        try (VirtualDisk d = Vhd.open(vhd, true)) {
            assertThrows(IllegalArgumentException.class, () -> d.read(d.size() - 10, new byte[11]));
            assertThrows(IllegalArgumentException.class, () -> d.read(-1, new byte[1]));
            assertThrows(VhdException.class, () -> d.write(0, new byte[1]));
        }
    }
}
