package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static dev.celadon.management.internal.Host.console;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.guest.linux.kit.GuestKit;
import dev.celadon.guest.linux.kit.GuestKitImage;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmDefinition.Disk;
import dev.celadon.management.VmState;
import dev.celadon.storvsp.internal.StorageVspProvider;
import dev.celadon.vhd.Vhd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Debian's stock kernel with a disk: a dynamic VHD attached at create is served by the storage VSP (the real
 * storvsp provider component), Linux's hv_storvsc binds to its VMBus channel and the disk shows up as /dev/sda with
 * the VHD's size; a pattern the guest writes with dd is, after sync and poweroff, in the VHD at the offset written,
 * as qemu-img reads it. A second (fixed, read-only) VHD attached to the running guest appears as sdb (hot add:
 * a VMBus offer) and disappears when detached (hot remove: a rescind), sda unaffected.
 */
class StorageLinuxTest {

    @TempDir
    Path dir;
    @TempDir
    Path disks;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void aDynamicVhdIsDevSdaAndKeepsWhatTheGuestWrote(String backend) throws Exception {
        Host.requireBackend(backend);
        Assumptions.assumeFalse(backend.equals("kvm") && Files.exists(Path.of("/sys/module/kvm_pvm")),
                "skipped: software-nested KVM does not boot the stock kernel in test time (see LinuxBootTest)");
        manager = Host.manager(dir, Host.partitions());
        manager.addProvider(new StorageVspProvider());
        long size = 64L << 20;
        Path vhd = disks.resolve("data.vhd");
        Vhd.create(vhd, size, Vhd.Type.DYNAMIC, null);
        GuestKitImage kit = new GuestKit().prepare();
        Path initrd = kit.initrd(); // the kit's own: it carries sd_mod (GuestKit.GUEST_MODULES)
        String cmdline = kit.defaultCmdline() + (backend.equals("emulator")
                ? GuestKit.emulatedCpuCmdline(VmRun.EMULATOR_TSC_HZ) : "");
        manager.create(new VmDefinition("disk1", 1, 256, null, kit.kernel().toString(), initrd.toString(), cmdline,
                backend, List.of(new Disk(vhd.toString(), false))));
        long t0 = System.nanoTime();
        manager.start("disk1");
        awaitConsole(manager, "disk1", "CELADON-GUEST-READY cpus=1 mem_kb=", 300);
        System.out.printf("StorageLinuxTest[%s]: READY after %.1f s%n", backend, (System.nanoTime() - t0) / 1e9);
        run("disk1", "true", 120);
        // The SCSI scan runs asynchronously after hv_storvsc loads: wait for the disk's size line.
        awaitConsole(manager, "disk1", "[sda]", 120);
        String parts = run("disk1", "sleep 2; cat /proc/partitions; ls /sys/bus/vmbus/devices/", 60);
        String log = console(manager, "disk1");
        System.out.println("StorageLinuxTest[" + backend + "]: the guest's VMBus and SCSI lines:\n"
                + LinuxVmbusTest.vmbusLines(log) + "\n/proc/partitions:\n" + parts);
        System.out.println("host: " + manager.info("disk1").runtime());
        assertFalse(log.contains("could not load hv_storvsc"), log);
        assertTrue(log.contains("scsi host0: storvsc_host_t"), log);
        assertTrue(log.contains("scsi 0:0:0:0: Direct-Access     Celadon  Virtual Disk     1.0  PQ: 0 ANSI: 5"), log);
        assertFalse(log.contains("cmd 0xa0 status"), "REPORT LUNS to the empty targets is answered, not failed:\n" + log);
        assertTrue(log.contains("hv_vmbus: Vmbus version:5.3"), log);
        // sd_mod: "[sda] 131072 512-byte logical blocks: (67.1 MB/64.0 MiB)"
        assertTrue(log.contains("[sda] " + size / 512 + " 512-byte logical blocks"), log);
        Matcher m = Pattern.compile("(?m)^\\s*8\\s+0\\s+(\\d+)\\s+sda\\s*$").matcher(parts);
        assertTrue(m.find(), "no sda in /proc/partitions:\n" + parts);
        assertEquals(size / 1024, Long.parseLong(m.group(1)), "sda's size in 1 KiB blocks");
        LinuxBootTest.assertCleanKernelLog(log);

        // The guest writes a pattern 1 MiB into the disk and reads it back through the device.
        run("disk1", "awk 'BEGIN{for(i=0;i<200;i++) printf \"CELADON-PATTERN-%04d\\n\", i}' > /tmp/p; "
                + "dd if=/tmp/p of=/dev/sda bs=4096 seek=256 conv=fsync; sync", 120);
        String sums = run("disk1", "md5sum /tmp/p; dd if=/dev/sda bs=4096 skip=256 count=2 2>/dev/null "
                + "| head -c 4200 | md5sum", 60);
        String[] md5 = Pattern.compile("(?m)^([0-9a-f]{32}) ").matcher(sums).results().map(r -> r.group(1))
                .toArray(String[]::new);
        assertEquals(2, md5.length, sums);
        assertEquals(md5[0], md5[1], "what the guest reads back from /dev/sda is what it wrote:\n" + sums);
        // Hot add: a second disk attached to the running guest is offered, storvsc probes a new host, sdb appears.
        Path second = disks.resolve("second.vhd");
        Vhd.create(second, 32L << 20, Vhd.Type.FIXED, null);
        manager.attachDisk("disk1", new Disk(second.toString(), true));
        awaitConsole(manager, "disk1", "[sdb] " + (32L << 20) / 512 + " 512-byte logical blocks", 120);
        awaitConsole(manager, "disk1", "[sdb] Attached SCSI disk", 60);
        String withB = run("disk1", "cat /proc/partitions", 60);
        assertTrue(Pattern.compile("(?m)^\\s*8\\s+16\\s+32768\\s+sdb\\s*$").matcher(withB).find(), withB);
        assertTrue(console(manager, "disk1").contains("[sdb] Write Protect is on"), "attached read-only");
        // Hot remove: rescinded, the guest drops sdb; sda keeps working.
        manager.detachDisk("disk1", second.toString());
        String withoutB = "";
        long until = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < until) {
            withoutB = run("disk1", "cat /proc/partitions", 60);
            if (!withoutB.contains("sdb")) {
                break;
            }
            Thread.sleep(1000);
        }
        assertFalse(withoutB.contains("sdb"), "sdb still there after the detach:\n" + withoutB);
        assertTrue(withoutB.contains("sda"), withoutB);
        String again = run("disk1", "dd if=/dev/sda bs=4096 skip=256 count=2 2>/dev/null | head -c 4200 | md5sum", 60);
        assertTrue(again.contains(md5[0]), "sda after the hot remove of sdb:\n" + again);
        Vhd.open(second, false).close(); // closed on the host: free for writing again
        // Linux closes the rescinded channel and releases its relid; the server takes that as normal, not a violation.
        long released = System.nanoTime() + 30_000_000_000L;
        while (!"1".equals(manager.info("disk1").runtime().get("vmbus-channels")) && System.nanoTime() < released) {
            Thread.sleep(50);
        }
        assertEquals("1", manager.info("disk1").runtime().get("vmbus-channels"), "RELID_RELEASED for the second disk");
        assertEquals("0", manager.info("disk1").runtime().get("vmbus-violations"), manager.info("disk1").toString());
        System.out.println("StorageLinuxTest[" + backend + "]: hot add and remove, the guest's lines:\n"
                + LinuxVmbusTest.vmbusLines(console(manager, "disk1").substring(log.length())));

        manager.console("disk1").type("poweroff\n".getBytes(StandardCharsets.US_ASCII));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (manager.info("disk1").state() != VmState.STOPPED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(VmState.STOPPED, manager.info("disk1").state(), console(manager, "disk1"));
        LinuxBootTest.assertCleanKernelLog(console(manager, "disk1"));

        // On the host, by qemu-img: the bytes at 1 MiB are the pattern.
        StringBuilder pattern = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            pattern.append(String.format("CELADON-PATTERN-%04d%n", i));
        }
        byte[] expected = pattern.toString().getBytes(StandardCharsets.US_ASCII);
        Path raw = disks.resolve("data.raw");
        Process p = new ProcessBuilder("qemu-img", "convert", "-f", "vpc", "-O", "raw", vhd.toString(), raw.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        byte[] all = Files.readAllBytes(raw);
        assertEquals(size, all.length);
        assertArrayEquals(expected, Arrays.copyOfRange(all, 1 << 20, (1 << 20) + expected.length));
        assertEquals(0, all[(1 << 20) + expected.length], "nothing written past the pattern");
    }

    String run(String vm, String command, long seconds) throws InterruptedException {
        return GuestShell.run(manager, vm, command, seconds);
    }
}
