package dev.celadon.shell.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VhdException;
import dev.celadon.vhd.VirtualDisk;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands as Karaf runs them (objects built directly, fields set as the parser would), over the real VHD
 * library on temporary files; qemu-img reads the results.
 */
class VhdCommandsTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private String f(String name) {
        return dir.resolve(name).toString();
    }

    private void create(String file, String... trailing) throws Exception {
        CreateCommand c = new CreateCommand();
        c.file = file;
        c.trailing = List.of(trailing);
        c.run(out);
    }

    @Test
    void createDynamicAndFixedAsQemuSeesThem() throws Exception {
        create(f("d.vhd"), "--size", "10G");
        String d = QemuImg.json(dir.resolve("d.vhd"));
        assertEquals("vpc", QemuImg.field(d, "format"));
        assertEquals(String.valueOf(10L << 30), QemuImg.field(d, "virtual-size"));
        assertTrue(Files.size(dir.resolve("d.vhd")) < (1 << 20), "a new dynamic disk is small");
        assertTrue(output().contains("dynamic VHD, 10 GiB (10737418240 bytes)"), output());

        create(f("x.vhd"), "--size", "512M", "--type", "fixed");
        String x = QemuImg.vpc(dir.resolve("x.vhd"));
        assertEquals(String.valueOf(512L << 20), QemuImg.field(x, "virtual-size"));
        // A fixed VHD is the data followed by one 512-byte footer.
        assertEquals((512L << 20) + 512, Files.size(dir.resolve("x.vhd")));

        create(f("b.vhd"), "-s", "4096");
        assertEquals("4096", QemuImg.field(QemuImg.json(dir.resolve("b.vhd")), "virtual-size"));
    }

    @Test
    void createOptionsBeforeTheFileToo() throws Exception {
        CreateCommand c = new CreateCommand();
        c.file = f("o.vhd");
        c.size = "64K";
        c.type = "fixed";
        c.run(out);
        assertEquals(65536 + 512, Files.size(dir.resolve("o.vhd")));
    }

    @Test
    void differencingOverAParent() throws Exception {
        create(f("p.vhd"), "--size", "8M");
        try (VirtualDisk p = Vhd.open(dir.resolve("p.vhd"), false)) {
            p.write(0, "parent".getBytes(StandardCharsets.US_ASCII));
        }
        create(f("c.vhd"), "--parent", f("p.vhd"));
        assertTrue(output().contains("parent " + dir.resolve("p.vhd")), output());
        try (VirtualDisk c = Vhd.open(dir.resolve("c.vhd"), true)) {
            byte[] b = new byte[6];
            c.read(0, b);
            assertEquals("parent", new String(b, StandardCharsets.US_ASCII));
            assertEquals(8L << 20, c.size());
        }
        bytes.reset();
        InfoCommand info = new InfoCommand();
        info.file = f("c.vhd");
        info.run(out);
        assertTrue(output().matches("(?s).*Type\\s+differencing.*"), output());
        assertTrue(output().matches("(?s).*Parent\\s+" + java.util.regex.Pattern.quote(dir.resolve("p.vhd").toString()) + "\n.*"), output());

        StorageException e = assertThrows(StorageException.class,
                () -> create(f("c2.vhd"), "--parent", f("p.vhd"), "--type", "fixed"));
        assertTrue(e.getMessage().contains("differencing"), e.getMessage());
        VhdException wrongSize = assertThrows(VhdException.class,
                () -> create(f("c3.vhd"), "--parent", f("p.vhd"), "--size", "4M"));
        assertTrue(wrongSize.getMessage().contains("parent"), wrongSize.getMessage());
        assertFalse(Files.exists(dir.resolve("c3.vhd")));
    }

    @Test
    void badSizesAreRefusedWithASentence() {
        for (String bad : new String[]{"ten", "10X", "-5", "0", "1000", "3000G", "99999999999999999999", "1.5G", ""}) {
            StorageException e = assertThrows(StorageException.class, () -> create(f("s.vhd"), "--size", bad), bad);
            assertTrue(e.getMessage().contains(bad.isEmpty() ? "size" : bad), e.getMessage());
            assertFalse(Files.exists(dir.resolve("s.vhd")));
        }
        assertTrue(assertThrows(StorageException.class, () -> create(f("s.vhd"), "--size", "1000")).getMessage()
                .contains("512-byte sectors"));
        assertTrue(assertThrows(StorageException.class, () -> create(f("s.vhd"))).getMessage().contains("--size"));
        assertTrue(assertThrows(StorageException.class, () -> create(f("s.vhd"), "--size")).getMessage()
                .contains("needs a value"));
        assertTrue(assertThrows(StorageException.class, () -> create(f("s.vhd"), "--size", "1M", "--type", "huge"))
                .getMessage().contains("fixed or dynamic"));
        assertEquals(2040L << 30, DiskSize.parse("2040G"));
        assertEquals(10L << 30, DiskSize.parse("10GiB"));
        assertEquals(3L << 40 >> 2, DiskSize.parse("768g"));
    }

    @Test
    void existingFilesAreNeverOverwritten() throws Exception {
        Path keep = dir.resolve("keep.vhd");
        Files.writeString(keep, "precious");
        StorageException e = assertThrows(StorageException.class, () -> create(keep.toString(), "--size", "1M"));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("precious", Files.readString(keep));

        Path raw = dir.resolve("in.raw");
        Files.write(raw, new byte[1 << 20]);
        ConvertCommand c = convert(raw, keep, "dynamic", false);
        assertThrows(StorageException.class, () -> c.run(out));
        assertEquals("precious", Files.readString(keep));
    }

    @Test
    void missingFilesAreNamed() {
        String missing = f("nope.vhd");
        for (VhdAction a : new VhdAction[]{info(missing), check(missing), compact(missing)}) {
            StorageException e = assertThrows(StorageException.class, () -> a.run(out));
            assertEquals(missing + ": no such file", e.getMessage());
        }
        StorageException e = assertThrows(StorageException.class,
                () -> convert(Path.of(missing), dir.resolve("o.vhd"), "raw", false).run(out));
        assertTrue(e.getMessage().contains("no such file"));
        assertTrue(assertThrows(StorageException.class, () -> create(f("c.vhd"), "--parent", missing)).getMessage()
                .contains("no such file"));
        assertTrue(assertThrows(StorageException.class, () -> create(f("none/c.vhd"), "--size", "1M")).getMessage()
                .contains("no such directory"));
    }

    @Test
    void infoOfADynamicDiskAgreesWithQemu() throws Exception {
        create(f("i.vhd"), "--size", "16M");
        try (VirtualDisk d = Vhd.open(dir.resolve("i.vhd"), false)) {
            d.write(3L << 20, new byte[]{1}); // block 1 of 2 MiB blocks
            d.write(9L << 20, new byte[]{2}); // block 4
        }
        bytes.reset();
        info(f("i.vhd")).run(out);
        String text = output();
        assertTrue(text.matches("(?s).*Type\\s+dynamic\n.*"), text);
        assertTrue(text.matches("(?s).*Virtual size\\s+16 MiB \\(16777216 bytes\\).*"), text);
        assertTrue(text.matches("(?s).*Block size\\s+2 MiB\n.*"), text);
        assertTrue(text.matches("(?s).*Blocks\\s+2 of 8 allocated.*"), text);
        long fileSize = Files.size(dir.resolve("i.vhd"));
        assertTrue(text.contains("(" + fileSize + " bytes)"), text);
        assertEquals("16777216", QemuImg.field(QemuImg.json(dir.resolve("i.vhd")), "virtual-size"));
        // qemu's own view of allocation: the two blocks hold data, the rest reads as zeros.
        String map = QemuImg.ok("map", "--output=json", f("i.vhd"));
        assertEquals(2, map.split("\"data\": true").length - 1, map);
    }

    @Test
    void checkSaysNoProblemsOrListsThem() throws Exception {
        create(f("k.vhd"), "--size", "4M");
        bytes.reset();
        check(f("k.vhd")).run(out);
        assertEquals(dir.resolve("k.vhd") + ": no problems\n", output());

        // Flip one byte of the trailing footer's checksum: the copy at offset 0 still opens it, check says so.
        Path k = dir.resolve("k.vhd");
        try (FileChannel ch = FileChannel.open(k, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() - 512 + 64; // checksum field of the footer
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, at);
        }
        bytes.reset();
        StorageException e = assertThrows(StorageException.class, () -> check(f("k.vhd")).run(out));
        assertTrue(e.getMessage().matches(".*: \\d+ problems?"), e.getMessage());
        assertFalse(output().isBlank());
        assertFalse(output().contains("no problems"), output());
    }

    @Test
    void compactReleasesZeroBlocks() throws Exception {
        create(f("z.vhd"), "--size", "16M");
        Path z = dir.resolve("z.vhd");
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        try (VirtualDisk d = Vhd.open(z, false)) {
            for (int block = 0; block < 8; block++) {
                d.write((long) block << 21, data);
            }
            for (int block = 0; block < 8; block += 2) {
                d.write((long) block << 21, new byte[1 << 20]); // back to zeros: 4 blocks add nothing
            }
        }
        Path before = dir.resolve("before.raw");
        QemuImg.ok("convert", "-f", "vpc", "-O", "raw", z.toString(), before.toString());
        long sizeBefore = Files.size(z);
        bytes.reset();
        compact(f("z.vhd")).run(out);
        long released = sizeBefore - Files.size(z);
        assertTrue(released >= 4L << 21, "released " + released);
        assertTrue(output().contains("released " + DiskSize.describe(released)), output());
        assertEquals(0, QemuImg.run("compare", "-f", "raw", "-F", "vpc", before.toString(), z.toString()).exit());

        Path raw = dir.resolve("r.raw");
        Files.write(raw, new byte[4096]);
        assertThrows(VhdException.class, () -> compact(raw.toString()).run(out));
    }

    @Test
    void convertRawToVhdAndBackAsQemuCompares() throws Exception {
        Path raw = dir.resolve("src.raw");
        byte[] image = new byte[6 << 20];
        Random r = new Random(42);
        for (int mib = 0; mib < 6; mib += 2) { // MiB 1, 3, 5 stay zero
            byte[] chunk = new byte[1 << 20];
            r.nextBytes(chunk);
            System.arraycopy(chunk, 0, image, mib << 20, chunk.length);
        }
        Files.write(raw, image);
        for (String type : new String[]{"dynamic", "fixed"}) {
            Path vhd = dir.resolve(type + ".vhd");
            bytes.reset();
            convert(raw, vhd, type, false).run(out);
            assertEquals(String.valueOf(image.length), QemuImg.field(QemuImg.vpc(vhd), "virtual-size"));
            QemuImg.Result cmp = QemuImg.run("compare", "-f", "raw", "-F", "vpc", raw.toString(), vhd.toString());
            assertEquals(0, cmp.exit(), cmp.output());
            Path back = dir.resolve(type + ".raw");
            convert(vhd, back, "raw", false).run(out);
            assertTrue(Arrays.equals(image, Files.readAllBytes(back)), type + " round trip");
        }
        assertEquals((6L << 20) + 512, Files.size(dir.resolve("fixed.vhd")));
        // Plain lines without a terminal: one per 10%, ending at 100%, no carriage returns.
        String text = output();
        assertFalse(text.contains("\r"), text);
        assertTrue(text.contains("100% 6 of 6 MiB"), text);
        assertTrue(text.matches("(?s).*\\d+\\.\\d MB/s.*"), text);
        assertTrue(text.contains("Wrote " + dir.resolve("fixed.raw")), text);
    }

    @Test
    void convertOnATerminalRedrawsOneLine() throws Exception {
        Path raw = dir.resolve("t.raw");
        byte[] image = new byte[4 << 20];
        new Random(3).nextBytes(image);
        Files.write(raw, image);
        convert(raw, dir.resolve("t.vhd"), "dynamic", true).run(out);
        String text = output();
        String[] lines = text.split("\n");
        assertEquals(3, lines.length, text); // "Converting ...", the redrawn bar, "Wrote ..."
        assertTrue(lines[1].startsWith("\r["), lines[1]);
        assertTrue(lines[1].contains("100% "), lines[1]);
        assertTrue(lines[1].endsWith(" MB/s"), lines[1]);
        assertEquals(0, QemuImg.run("compare", "-f", "raw", "-F", "vpc", raw.toString(), f("t.vhd")).exit());
    }

    @Test
    void convertRefusesUnknownTypesAndDifferencing() throws Exception {
        Path raw = dir.resolve("u.raw");
        Files.write(raw, new byte[4096]);
        assertTrue(assertThrows(StorageException.class, () -> convert(raw, dir.resolve("u.vhd"), "differencing", false)
                .run(out)).getMessage().contains("raw, fixed or dynamic"));
        assertTrue(assertThrows(StorageException.class, () -> convert(raw, dir.resolve("u.vhd"), null, false)
                .run(out)).getMessage().contains("--type is needed"));
        assertFalse(Files.exists(dir.resolve("u.vhd")));
    }

    @Test
    void progressBarOnATerminalIsThrottledAndEndsTheLine() {
        long[] now = {0};
        ProgressBar bar = new ProgressBar(out, true, () -> now[0]);
        long total = 100L << 20;
        for (long done = 1 << 20; done <= total; done += 1 << 20) {
            now[0] += 10_000_000L; // 10 ms per MiB: 100 MiB/s = 104.9 MB/s
            bar.update(done, total);
        }
        String text = output();
        int draws = text.split("\r", -1).length - 1;
        assertTrue(draws >= 9 && draws <= 11, draws + " redraws in 1 s at 100 ms: " + text);
        assertTrue(text.endsWith("] 100% 104.9 MB/s\n"), text);
        assertTrue(text.contains("[##############################]"), text);
    }

    private ConvertCommand convert(Path in, Path o, String type, boolean terminal) {
        ConvertCommand c = new ConvertCommand();
        c.in = in.toString();
        c.out = o.toString();
        c.trailing = type == null ? null : List.of("--type", type);
        c.terminal = terminal;
        return c;
    }

    private static InfoCommand info(String file) {
        InfoCommand c = new InfoCommand();
        c.file = file;
        return c;
    }

    private static CheckCommand check(String file) {
        CheckCommand c = new CheckCommand();
        c.file = file;
        return c;
    }

    private static CompactCommand compact(String file) {
        CompactCommand c = new CompactCommand();
        c.file = file;
        return c;
    }
}
