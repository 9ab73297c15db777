package dev.celadon.guest.linux.kit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest kit for real: Debian's current cloud kernel and busybox-static, downloaded with apt-get into a
 * test cache outside the repository (kept between runs), then the initramfs read back entry by entry.
 */
class GuestKitTest {

    static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "celadon", "guest-kit-test");
    static GuestKitImage kit;
    static Map<String, byte[]> files = new HashMap<>();
    static Map<String, CpioArchiveEntry> entries = new HashMap<>();

    @BeforeAll
    static void prepare() throws Exception {
        kit = new GuestKit(CACHE).prepare();
        try (InputStream in = new CpioArchiveInputStream(new GZIPInputStream(Files.newInputStream(kit.initrd())))) {
            CpioArchiveInputStream cpio = (CpioArchiveInputStream) in;
            CpioArchiveEntry e;
            while ((e = cpio.getNextCPIOEntry()) != null) {
                entries.put(e.getName(), e);
                files.put(e.getName(), cpio.readAllBytes());
            }
        }
    }

    @Test
    void theKernelIsABzImageWithA64BitBootProtocol() throws Exception {
        byte[] k = Files.readAllBytes(kit.kernel());
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("HdrS", new String(k, 0x202, 4, StandardCharsets.US_ASCII));
        assertTrue((b.getShort(0x206) & 0xFFFF) >= 0x20C, "boot protocol >= 2.12");
        assertTrue((b.getShort(0x236) & 1) != 0, "XLF_KERNEL_64");
        assertTrue(kit.kernelRelease().endsWith("-cloud-amd64"), kit.kernelRelease());
    }

    @Test
    void initPrintsTheReadyLineAndStartsAShell() {
        String init = new String(files.get("init"), StandardCharsets.US_ASCII);
        assertTrue((entries.get("init").getMode() & 0111) != 0, "init is executable");
        assertTrue(init.startsWith("#!/bin/sh"));
        assertTrue(init.contains("CELADON-GUEST-READY cpus=$cpus mem_kb=$mem"), init);
        assertTrue(init.contains("mount -t devtmpfs"), init);
        byte[] busybox = files.get("bin/busybox");
        assertArrayEquals(new byte[] {0x7F, 'E', 'L', 'F'}, java.util.Arrays.copyOf(busybox, 4));
        assertTrue(entries.get("bin/sh").isSymbolicLink());
    }

    @Test
    void everyHyperVModuleAndItsDependenciesAreThereInLoadOrder() {
        List<String> order = kit.modules();
        for (String m : GuestKit.GUEST_MODULES) {
            assertTrue(order.contains(m), m + " missing from " + order);
        }
        // Dependencies Linux 6.1 declares for these drivers (modinfo depends=): each before its user.
        assertTrue(order.indexOf("hv_vmbus") < order.indexOf("hv_storvsc"));
        assertTrue(order.indexOf("scsi_transport_fc") < order.indexOf("hv_storvsc"));
        assertTrue(order.indexOf("hid") < order.indexOf("hid_hyperv"));
        String init = new String(files.get("init"), StandardCharsets.US_ASCII);
        int last = -1;
        for (String m : order) {
            String ko = files.keySet().stream().filter(f -> f.endsWith("/" + m + ".ko") || f.endsWith("/" + m.replace('_', '-') + ".ko"))
                    .findFirst().orElseThrow(() -> new AssertionError(m + ".ko not in the initramfs"));
            int at = init.indexOf("insmod /" + ko);
            assertTrue(at > last, m + " is loaded out of order");
            last = at;
        }
    }

    @Test
    void aSecondPrepareReusesTheCacheAndAnInterruptedOneIsRedone() throws Exception {
        FileTime before = Files.getLastModifiedTime(kit.initrd());
        GuestKitImage again = new GuestKit(CACHE).prepare();
        assertEquals(kit, again);
        assertEquals(before, Files.getLastModifiedTime(kit.initrd()));

        Files.delete(kit.initrd().resolveSibling(GuestKit.MANIFEST)); // as if a run died before finishing
        Files.setLastModifiedTime(kit.initrd(), FileTime.fromMillis(0));
        GuestKitImage rebuilt = new GuestKit(CACHE).prepare();
        assertEquals(kit.modules(), rebuilt.modules());
        assertNotEquals(FileTime.fromMillis(0), Files.getLastModifiedTime(rebuilt.initrd()));
    }

    @Test
    void aCacheThatIsNotADirectoryIsAClearError(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        GuestKitException e = assertThrows(GuestKitException.class, () -> new GuestKit(file).prepare());
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    /** The initramfs contract end to end, under QEMU's software emulation (not the Celadon boot test). */
    @Test
    void bootsToTheReadyLineUnderQemuTcg() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")),
                "skipped: qemu-system-x86_64 is not installed");
        Process qemu = new ProcessBuilder("qemu-system-x86_64", "-accel", "tcg", "-m", "512", "-nographic",
                "-no-reboot", "-nodefaults", "-serial", "stdio", "-kernel", kit.kernel().toString(),
                "-initrd", kit.initrd().toString(), "-append", "console=ttyS0 panic=-1")
                .redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream in = qemu.getInputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (out) {
                        out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (Exception ignored) {
                // QEMU ended
            }
        });
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                synchronized (out) {
                    if (out.toString().matches("(?s).*CELADON-GUEST-READY cpus=1 mem_kb=\\d+.*")) {
                        break;
                    }
                }
                Thread.sleep(200);
            }
        } finally {
            qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
        }
        String console = out.toString();
        assertTrue(console.matches("(?s).*CELADON-GUEST-READY cpus=1 mem_kb=\\d+.*"), console);
        // Without Hyper-V, hv_vmbus declines ("No such device"); its users must fail only for that reason,
        // never for a module missing from the initramfs.
        assertTrue(console.contains("Run /init"), console);
        for (String line : console.split("\n")) {
            if (line.contains("Unknown symbol")) {
                assertTrue(line.contains("vmbus") || line.contains("hv_"), "unexpected missing symbol: " + line);
            }
        }
    }
}
