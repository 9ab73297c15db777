package dev.celadon.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runtime plugins, issue 8's acceptance, in the running distribution: a loopback VM whose guest is the storage-io
 * Java program (feature celadon-loopback) has a VHD disk and does I/O on it through VMBus and storvsp. Stopping the
 * storvsp bundle rescinds its channel without harming the VM; starting it offers the disk again; replacing the
 * bundle with a new version (bundle:update) does both. What the guest wrote in each of its sessions is in the VHD
 * afterwards, as qemu-img reads it.
 */
class LoopbackRuntimeTest {
    static final String STORVSP = "dev.celadon.storvsp";

    static KarafDistribution karaf;

    @BeforeAll
    static void start() throws Exception {
        karaf = KarafDistribution.copyOfBuild();
        karaf.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (karaf != null) {
            karaf.close();
            assertTrue(karaf.karafPids().isEmpty(), "a Karaf JVM was left running");
        }
    }

    /** A number from the first match of {@code regex} (group 1) in {@code text}. */
    static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no " + regex + " in:\n" + text);
        return Long.parseLong(m.group(1));
    }

    /** The storvsp bundle's line of bundle:list -s, e.g. {@code 62 │ Active │ 80 │ 0.2.1 │ dev.celadon.storvsp}. */
    static String storvspLine() throws Exception {
        return karaf.execute("bundle:list -s").lines().filter(l -> l.trim().endsWith(" " + STORVSP)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + STORVSP + " in bundle:list"));
    }

    /** The same bundle one release later: its jar with the next micro Bundle-Version (as samples/ builds its next jar). */
    static Path nextRelease(Path jar, Path out) throws Exception {
        try (JarFile in = new JarFile(jar.toFile())) {
            Manifest m = new Manifest(in.getManifest());
            m.getMainAttributes().put(new Attributes.Name("Bundle-Version"), DistributionTest.nextMicroVersion());
            try (OutputStream os = Files.newOutputStream(out); JarOutputStream jos = new JarOutputStream(os, m)) {
                for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements(); ) {
                    JarEntry entry = e.nextElement();
                    if (entry.getName().equalsIgnoreCase("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    jos.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream is = in.getInputStream(entry)) {
                        is.transferTo(jos);
                    }
                    jos.closeEntry();
                }
            }
        }
        return out;
    }

    /** storage-io's marker block of session {@code n}: its text, then the bytes (n * 31 + i). */
    static byte[] marker(int n) {
        byte[] b = new byte[512];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (n * 31 + i);
        }
        byte[] text = String.format("CELADON-LOOPBACK-IO session %04d.", n).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, b, 0, text.length);
        return b;
    }

    /** Waits for the program's session {@code n} to be open and to have read its marker back since. */
    static String awaitSession(int n) throws Exception {
        String status = karaf.awaitOutput("loopback:status lb", "Sessions   " + n + " (1 open)", 60);
        long reads = number(status, "Reads\\s+(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (number(status, "Reads\\s+(\\d+)") < reads + 3 && System.nanoTime() < deadline) {
            Thread.sleep(300);
            status = karaf.execute("loopback:status lb");
        }
        assertTrue(number(status, "Reads\\s+(\\d+)") >= reads + 3, "the guest keeps reading:\n" + status);
        assertTrue(status.contains("session " + n + ": relid ") && status.contains("read back equal"), status);
        return status;
    }

    static void assertChannelOpen() throws Exception {
        String ch = karaf.execute("vmbus:channels lb");
        assertTrue(ch.startsWith("VM lb (running): VMBus 5.3, 1 channel(s)"), ch);
        assertTrue(ch.contains(": storvsc (synthetic SCSI controller), open"), ch);
        assertTrue(Pattern.compile("Ring in     \\d+/126976 bytes used").matcher(ch).find(), ch);
        assertTrue(ch.contains("  Violations  0"), ch);
    }

    /** After storvsp left: the guest released the rescinded relid, the VM runs on, the disk has no channel. */
    static void assertRescinded(int rescinds) throws Exception {
        karaf.awaitOutput("loopback:status lb", "Rescinds   " + rescinds, 30);
        String ch = karaf.awaitOutput("vmbus:channels lb", "0 channel(s)", 30);
        assertTrue(ch.startsWith("VM lb (running): VMBus 5.3, 0 channel(s)"), ch);
        assertTrue(ch.contains("disk.0: no channel (not served: no disk provider)"), ch);
        String info = karaf.execute("vm:info lb");
        assertTrue(info.matches("(?s).*State\\s+running.*"), info);
        assertTrue(info.matches("(?s).*disk\\.0\\s+not served: no disk provider.*"), info);
        assertTrue(info.matches("(?s).*vmbus-version\\s+5\\.3.*"), "the VMBus connection is untouched:\n" + info);
        String status = karaf.execute("loopback:status lb");
        assertTrue(status.contains("(0 open)") && status.contains("rescinded (session ") && status.contains(
                "RELID_RELEASED sent"), status);
    }

    @Test
    void storvspStoppedStartedAndReplacedWhileALoopbackVmDoesIo() throws Exception {
        String installed = karaf.execute("feature:install celadon-loopback");
        assertFalse(installed.toLowerCase(Locale.ROOT).contains("error"), installed);
        karaf.awaitOutput("bundle:list -s", "dev.celadon.guest.loopback", 60);
        Path work = Files.createTempDirectory("celadon-loopback-");
        Path vhd = work.resolve("lb.vhd");
        String made = karaf.execute("vhd:create " + vhd + " --size 8M");
        assertTrue(Files.isRegularFile(vhd), made);

        // Bad input first: clear errors, nothing created.
        String bad = karaf.execute("vm:create nojava --cpus 1 --memory 64 --image demo --backend loopback");
        assertTrue(bad.contains("the loopback backend runs Java programs, not kernels: use --image java"), bad);
        assertTrue(karaf.execute("vmbus:channels nosuch").contains("no VM named nosuch"));

        String created = karaf.execute("vm:create lb --cpus 1 --memory 64 --image java --backend loopback --disk " + vhd);
        assertTrue(created.contains("VM lb created"), created);
        String notRunning = karaf.execute("vmbus:channels lb");
        assertTrue(notRunning.contains("VM lb is not running (defined): it has VMBus channels only while it runs"),
                notRunning);
        assertTrue(karaf.execute("loopback:assign lb storage-io").contains("assigned to lb"));
        String started = karaf.execute("vm:start lb");
        assertTrue(started.contains("running"), started + karaf.log());
        awaitSession(1);
        assertChannelOpen();
        String before = storvspLine();
        assertTrue(before.contains("Active") && before.contains(DistributionTest.celadonVersion().replace("-SNAPSHOT", "") + "."), before);

        // 1. The storage VSP bundle stops: its channel is rescinded; the VM keeps running.
        karaf.execute("bundle:stop " + STORVSP);
        assertRescinded(1);
        // 2. It starts again: the disk is offered again (hot add), the guest opens session 2 and does I/O.
        karaf.execute("bundle:start " + STORVSP);
        awaitSession(2);
        assertChannelOpen();
        // 3. Replaced by a new version: rescinded and offered again by the new bundle, session 3.
        Path jar = karaf.home().resolve("system").resolve(DistributionTest.celadonJar("dev.celadon.storvsp"));
        Path next = nextRelease(jar, work.resolve("dev.celadon.storvsp-next.jar"));
        String updated = karaf.execute("bundle:update " + STORVSP + " file:" + next);
        assertFalse(updated.toLowerCase(Locale.ROOT).contains("error"), updated);
        awaitSession(3);
        assertChannelOpen();
        String after = storvspLine();
        assertTrue(after.contains("Active") && after.contains(DistributionTest.nextMicroVersion()), after);
        String status = karaf.execute("loopback:status lb");
        assertEquals(2, number(status, "Rescinds\\s+(\\d+)"), status);
        assertEquals(3, number(status, "Offers\\s+(\\d+)"), status);
        assertEquals(3, number(status, "Writes\\s+(\\d+)"), status);
        System.out.println("itest: loopback VM through stop/start/update of storvsp:\n" + status
                + karaf.execute("vmbus:channels lb"));

        // The VM ran throughout; stopped, its disk holds the marker of each session, as qemu-img reads the VHD.
        assertTrue(karaf.execute("vm:info lb").matches("(?s).*State\\s+running.*"));
        assertTrue(karaf.execute("vm:stop lb").contains("stopped"));
        Path raw = work.resolve("lb.raw");
        Process p = new ProcessBuilder(List.of("qemu-img", "convert", "-f", "vpc", "-O", "raw", vhd.toString(),
                raw.toString())).redirectErrorStream(true).start();
        String qemu = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), qemu);
        byte[] disk = Files.readAllBytes(raw);
        for (int n = 1; n <= 3; n++) {
            byte[] block = java.util.Arrays.copyOfRange(disk, (n - 1) * 512, n * 512);
            assertArrayEquals(marker(n), block, "session " + n + "'s marker at LBA " + (n - 1));
        }
        assertEquals(0, disk[3 * 512], "nothing written past the markers at LBA 3");
    }
}
