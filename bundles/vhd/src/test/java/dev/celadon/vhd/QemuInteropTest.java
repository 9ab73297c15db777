package dev.celadon.vhd;

import dev.celadon.vhd.internal.DiskGeometry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our VHDs against qemu-img's vpc driver: each reads what the other wrote. */
class QemuInteropTest {
    @TempDir
    Path dir;

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"fixed", "dynamic"})
    void qemuMadeVhdsAreReadAndWritten(String subformat) throws Exception {
        // qemu writes the data: a raw image with a pattern converted by qemu-img into a VHD.
        Path raw = dir.resolve("src.raw");
        int size = 9 * 1024 * 1024 + 3 * 512;
        byte[] content = random(7, size);
        java.util.Arrays.fill(content, 2 << 20, 4 << 20, (byte) 0); // a zero block qemu leaves unallocated
        Files.write(raw, content);
        Path vhd = dir.resolve("q.vhd");
        Qemu.img("convert", "-f", "raw", "-O", "vpc", "-o", "subformat=" + subformat, raw.toString(), vhd.toString());
        long qemuSize = Qemu.virtualSize(vhd);

        VhdInfo info = Vhd.info(vhd);
        assertEquals(subformat.equals("fixed") ? Vhd.Type.FIXED : Vhd.Type.DYNAMIC, info.type());
        assertEquals(qemuSize, info.virtualSize(), "qemu rounds up to CHS and stores that as the current size");
        assertTrue(Vhd.check(vhd).isEmpty(), () -> "check: " + safeCheck(vhd));

        Path shadow = dir.resolve("shadow.raw");
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            assertEquals(qemuSize, d.size());
            byte[] all = new byte[(int) d.size()];
            d.read(0, all);
            byte[] want = java.util.Arrays.copyOf(content, all.length); // qemu pads with zeros
            assertArrayEquals(want, all, "qemu's data as we read it");
            Files.write(shadow, want);
            RandomWrites.apply(d, shadow, 11, 60);
        }
        assertEquals(-1, Files.mismatch(Qemu.toRaw(vhd, dir), shadow), "qemu reads back what we wrote");

        // And an empty one from qemu-img create.
        Path created = dir.resolve("created.vhd");
        Qemu.img("create", "-q", "-f", "vpc", "-o", "subformat=" + subformat, created.toString(), "20M");
        Path shadow2 = dir.resolve("shadow2.raw");
        long createdSize = Qemu.virtualSize(created);
        try (VirtualDisk d = Vhd.open(created, false)) {
            assertEquals(createdSize, d.size());
            // our writer lock keeps qemu out while we write (qemu: "Failed to lock byte ...")
            assertEquals(1, Qemu.run("info", "-f", "vpc", created.toString()).exit());
            RandomWrites.apply(d, shadow2, 12, 60);
        }
        assertEquals(-1, Files.mismatch(Qemu.toRaw(created, dir), shadow2), "qemu-img create'd, written by us");
        assertEquals(List.of(), Vhd.check(created));
    }

    @Test
    void geometryMatchesWhatQemuWrites() throws Exception {
        // qemu rounds sizes up to what its CHS search finds, so its images' sizes are exact CHS products; for
        // those, the specification's algorithm must find the same geometry qemu stored.
        for (long mib : new long[] {1, 10, 100, 511, 1000, 4096, 130_000}) {
            Path vhd = dir.resolve("g" + mib + ".vhd");
            Qemu.img("create", "-q", "-f", "vpc", vhd.toString(), mib + "M");
            byte[] footer = new byte[512];
            try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "r")) {
                f.readFully(footer);
            }
            int field = ByteBuffer.wrap(footer).getInt(56);
            long current = ByteBuffer.wrap(footer).getLong(48);
            DiskGeometry qemu = DiskGeometry.decode(field);
            if (qemu.sectors() == DiskGeometry.MAX_SECTORS) {
                assertEquals(DiskGeometry.MAX_SECTORS, DiskGeometry.forSectors(current / 512).sectors());
            } else {
                assertEquals(qemu, DiskGeometry.forSectors(current / 512), mib + " MiB");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {512, 1 << 20, 10L * 1024 * 1024 + 7 * 512, 3L * 1024 * 1024 * 1024 + 512, 200L << 30})
    void ourSizesAreExactInQemu(long size) throws Exception {
        for (Vhd.Type t : new Vhd.Type[] {Vhd.Type.FIXED, Vhd.Type.DYNAMIC}) {
            Path vhd = dir.resolve(t + "-" + size + ".vhd");
            Vhd.create(vhd, size, t, null);
            assertEquals(size, Qemu.virtualSize(vhd), t + " " + size);
            assertEquals(size, Vhd.info(vhd).virtualSize());
            assertEquals(List.of(), Vhd.check(vhd));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"FIXED", "DYNAMIC"})
    void randomWritesReadBackInQemu(String type) throws Exception {
        Path vhd = dir.resolve("w.vhd");
        long size = 24L * 1024 * 1024 + 5 * 512; // the last block is partial
        Vhd.create(vhd, size, Vhd.Type.valueOf(type), null);
        Path shadow = dir.resolve("w.raw");
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            RandomWrites.apply(d, shadow, 42, 120);
        }
        assertEquals(-1, Files.mismatch(Qemu.toRaw(vhd, dir), shadow));
        try (VirtualDisk d = Vhd.open(vhd, true)) {
            byte[] all = new byte[(int) size];
            d.read(0, all);
            assertArrayEquals(Files.readAllBytes(shadow), all, "and we read it back after reopening");
        }
        assertEquals(List.of(), Vhd.check(vhd));
    }

    @Test
    void concurrentWritersOnDisjointRanges() throws Exception {
        long size = 16L << 20;
        Path vhd = dir.resolve("mt.vhd");
        Vhd.create(vhd, size, Vhd.Type.DYNAMIC, null);
        byte[] want = new byte[(int) size];
        int threads = 4;
        int stripe = 64 * 1024; // thread t owns stripes t, t+4, ...: they share every block
        int stripes = (int) (size / stripe);
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            List<Thread> ts = new ArrayList<>();
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                int own = t;
                Random r = new Random(100 + t);
                // each thread's writes are planned (and mirrored) up front; ranges stay inside its stripes
                List<long[]> plan = new ArrayList<>();
                for (int i = 0; i < 80; i++) {
                    int len = 1 + r.nextInt(stripe - 1);
                    int off = (own + threads * r.nextInt(stripes / threads)) * stripe + r.nextInt(stripe - len);
                    byte[] b = new byte[len];
                    r.nextBytes(b);
                    System.arraycopy(b, 0, want, off, len);
                    plan.add(new long[] {off, len, 100 + t, i});
                }
                ts.add(new Thread(() -> {
                    try {
                        for (long[] w : plan) {
                            byte[] b = new byte[(int) w[1]];
                            System.arraycopy(want, (int) w[0], b, 0, b.length);
                            d.write(w[0], b);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            ts.forEach(Thread::start);
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(List.of(), errors);
        }
        assertArrayEquals(want, Files.readAllBytes(Qemu.toRaw(vhd, dir)));
    }

    @Test
    void differencingOverDynamicParent() throws Exception {
        long size = 20L * 1024 * 1024;
        Path parent = dir.resolve("base.vhd");
        Vhd.create(parent, size, Vhd.Type.DYNAMIC, null);
        Path full = dir.resolve("full.raw");
        try (VirtualDisk d = Vhd.open(parent, false)) {
            RandomWrites.apply(d, full, 1, 40);
        }
        Path parentRaw = dir.resolve("parent.raw");
        Files.copy(full, parentRaw);
        Path child = dir.resolve("child.vhd");
        Vhd.create(child, 0, Vhd.Type.DIFFERENCING, parent);
        VhdInfo ci = Vhd.info(child);
        assertEquals(Vhd.Type.DIFFERENCING, ci.type());
        assertEquals(parent.toRealPath(), ci.parent().toRealPath());
        assertEquals(Vhd.info(parent).uuid(), ci.parentUuid());

        // Track which sectors the child was written in: under sector-bitmap semantics exactly those are in
        // the child's file, each holding its whole current content.
        Path touched = dir.resolve("touched.raw");
        try (Recording d = new Recording(Vhd.open(child, false), touched)) {
            RandomWrites.apply(d, full, 2, 60);
        }
        try (VirtualDisk d = Vhd.open(child, true)) {
            byte[] all = new byte[(int) size];
            d.read(0, all);
            assertArrayEquals(Files.readAllBytes(full), all, "child over parent reads the merged data");
        }
        assertEquals(-1, Files.mismatch(Qemu.toRaw(parent, dir), parentRaw), "the parent is untouched");

        // qemu 7.2 opens a differencing VHD as a dynamic one without a backing file: it shows only the
        // child's own sectors (zeros elsewhere). That is still an independent view of what the child holds.
        byte[] fullBytes = Files.readAllBytes(full);
        byte[] mask = Files.readAllBytes(touched);
        byte[] childOnly = new byte[(int) size];
        for (int s = 0; s < size / 512; s++) {
            if (mask[s] != 0) {
                System.arraycopy(fullBytes, s * 512, childOnly, s * 512, 512);
            }
        }
        assertArrayEquals(childOnly, Files.readAllBytes(Qemu.toRaw(child, dir)));

        Path flat = dir.resolve("flat.raw");
        Vhd.convert(child, flat, Vhd.Type.RAW, null);
        Qemu.assertSameContent(flat, "raw", full, "raw");
        assertEquals(List.of(), Vhd.check(child));
    }

    /** Remembers which sectors were written (one byte per sector). */
    static final class Recording implements VirtualDisk {
        private final VirtualDisk d;
        private final byte[] sectors;
        private final Path out;

        Recording(VirtualDisk d, Path out) {
            this.d = d;
            this.sectors = new byte[(int) (d.size() / 512)];
            this.out = out;
        }

        public long size() {
            return d.size();
        }

        public int sectorSize() {
            return 512;
        }

        public boolean readOnly() {
            return false;
        }

        public void read(long offset, ByteBuffer dst) throws IOException {
            d.read(offset, dst);
        }

        public void write(long offset, ByteBuffer src) throws IOException {
            if (src.remaining() > 0) {
                for (long s = offset / 512; s <= (offset + src.remaining() - 1) / 512; s++) {
                    sectors[(int) s] = 1;
                }
            }
            d.write(offset, src);
        }

        public void flush() throws IOException {
            d.flush();
        }

        public void close() throws IOException {
            Files.write(out, sectors);
            d.close();
        }
    }

    @Test
    void compactReleasesZeroBlocksAndKeepsTheData() throws Exception {
        long size = 32L * 1024 * 1024;
        Path vhd = dir.resolve("c.vhd");
        Vhd.create(vhd, size, Vhd.Type.DYNAMIC, null);
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            for (int b = 0; b < 16; b++) {
                d.write(b * (2L << 20) + 1000, random(b, 300_000));
            }
            for (int b = 0; b < 16; b += 2) {
                d.write(b * (2L << 20), new byte[2 << 20]); // the guest zeroes every other block
            }
            d.write(3 * (2L << 20) + (1 << 20), new byte[1 << 20]); // half a block zeroed: the block stays
        }
        Path before = Qemu.toRaw(vhd, dir);
        long sizeBefore = Files.size(vhd);
        assertEquals(16, Vhd.info(vhd).allocatedBlocks());
        long released = Vhd.compact(vhd);
        assertEquals(8, Vhd.info(vhd).allocatedBlocks());
        assertEquals(sizeBefore - Files.size(vhd), released);
        assertTrue(Files.size(vhd) < sizeBefore - 8 * (2L << 20) + 1, "smaller by the 8 released blocks");
        Qemu.assertSameContent(vhd, "vpc", before, "raw");
        assertEquals(List.of(), Vhd.check(vhd));
    }

    @Test
    void compactDifferencingReleasesBlocksEqualToTheParent() throws Exception {
        long size = 8L * 1024 * 1024;
        Path parent = dir.resolve("p.vhd");
        Vhd.create(parent, size, Vhd.Type.DYNAMIC, null);
        byte[] pdata = random(5, (int) size);
        try (VirtualDisk d = Vhd.open(parent, false)) {
            d.write(0, pdata);
        }
        Path child = dir.resolve("c.vhd");
        Vhd.create(child, size, Vhd.Type.DIFFERENCING, parent);
        try (VirtualDisk d = Vhd.open(child, false)) {
            d.write(100, java.util.Arrays.copyOfRange(pdata, 100, 5000));       // same as parent: redundant
            d.write((2 << 20) + 7, new byte[4096]);                             // zeros over data: must stay
            d.write((4 << 20) + 512, java.util.Arrays.copyOfRange(pdata, 0, 512)); // differs from the parent
        }
        Path before = dir.resolve("before.raw");
        Vhd.convert(child, before, Vhd.Type.RAW, null);
        assertEquals(3, Vhd.info(child).allocatedBlocks());
        assertTrue(Vhd.compact(child) > 0);
        assertEquals(2, Vhd.info(child).allocatedBlocks());
        Path after = dir.resolve("after.raw");
        Vhd.convert(child, after, Vhd.Type.RAW, null);
        Qemu.assertSameContent(after, "raw", before, "raw");
        assertEquals(List.of(), Vhd.check(child));
    }

    @Test
    void convertRawToVhdAndBack() throws Exception {
        Path raw = dir.resolve("in.raw");
        byte[] content = random(3, 6 * 1024 * 1024 + 512);
        java.util.Arrays.fill(content, 2 << 20, 4 << 20, (byte) 0); // block 1 all zeros
        Files.write(raw, content);
        for (Vhd.Type t : new Vhd.Type[] {Vhd.Type.FIXED, Vhd.Type.DYNAMIC}) {
            Path vhd = dir.resolve("out-" + t + ".vhd");
            List<long[]> seen = new ArrayList<>();
            Vhd.convert(raw, vhd, t, (done, total) -> seen.add(new long[] {done, total}));
            assertEquals(content.length, seen.get(seen.size() - 1)[0]);
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i)[0] > seen.get(i - 1)[0]);
            }
            assertEquals(t, Vhd.info(vhd).type());
            assertEquals(content.length, Qemu.virtualSize(vhd));
            Qemu.assertSameContent(vhd, "vpc", raw, "raw");
            Path back = dir.resolve("back-" + t + ".raw");
            Vhd.convert(vhd, back, Vhd.Type.RAW, null);
            assertEquals(-1, Files.mismatch(raw, back));
        }
        Path dyn = dir.resolve("out-DYNAMIC.vhd");
        assertEquals(3, Vhd.info(dyn).allocatedBlocks(), "the zero block is not allocated");
    }

    private static String safeCheck(Path p) {
        try {
            return Vhd.check(p).toString();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
