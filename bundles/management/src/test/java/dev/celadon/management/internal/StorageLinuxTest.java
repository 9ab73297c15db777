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
 * a VMBus offer) and disappears when detached (hot remove: a rescind), sda unaffected. A second boot does the same
 * for a fixed VHD and a differencing VHD over a dynamic parent (the parent unchanged byte for byte), and shows the
 * partition of an MBR that host tools wrote into a qemu-img-made VHD.
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
        Host.requireLinuxBackend(backend);
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
        // A writable disk hot-removed after the guest wrote to it: the VSP first takes its LUN off the bus and
        // tells the guest (ENUMERATE_BUS), so Linux removes the disk and flushes its write cache while the channel
        // still answers; only then the rescind. (Rescinded first, Linux's cache flush can never complete and its
        // removal hangs: the channel is never released and the disk cannot be offered again.)
        Path third = disks.resolve("third.vhd");
        Vhd.create(third, 16L << 20, Vhd.Type.DYNAMIC, null);
        manager.attachDisk("disk1", new Disk(third.toString(), false));
        String dev = awaitPartition(manager, "disk1", 16384, true);
        run("disk1", "dd if=/tmp/p of=/dev/" + dev + " bs=4096 seek=16 conv=fsync 2>/dev/null; echo wrote", 120);
        long detach = System.nanoTime();
        manager.detachDisk("disk1", third.toString());
        System.out.printf("StorageLinuxTest[%s]: writable %s detached in %.1f s%n", backend, dev,
                (System.nanoTime() - detach) / 1e9);
        awaitPartition(manager, "disk1", 16384, false);
        long gone = System.nanoTime() + 60_000_000_000L;
        while (!"1".equals(manager.info("disk1").runtime().get("vmbus-channels")) && System.nanoTime() < gone) {
            Thread.sleep(50);
        }
        assertEquals("1", manager.info("disk1").runtime().get("vmbus-channels"),
                "the guest released the writable disk's channel:\n" + console(manager, "disk1"));
        assertTrue(run("disk1", "dd if=/dev/sda bs=4096 skip=256 count=2 2>/dev/null | head -c 4200 | md5sum", 60)
                .contains(md5[0]), "sda after the writable disk's removal");
        byte[] thirdBytes = qemuRaw(third);
        assertArrayEquals(pattern(), Arrays.copyOfRange(thirdBytes, 16 * 4096, 16 * 4096 + pattern().length),
                "what the guest wrote (fsync) before the detach is in the VHD, as qemu-img reads it");
        // Offered again, it comes back: the relid was released, so the same instance can be offered.
        manager.attachDisk("disk1", new Disk(third.toString(), true));
        awaitPartition(manager, "disk1", 16384, true);
        manager.detachDisk("disk1", third.toString());
        awaitPartition(manager, "disk1", 16384, false);
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

    /**
     * One boot, three disks attached at create, each told apart by its size: a fixed VHD; a differencing VHD (made by
     * Celadon's VHD code, as vhd:create --parent does) over a dynamic parent whose data qemu-io wrote; and a VHD made
     * by {@code qemu-img create -f vpc} with an MBR partition table put into it by qemu-io. The guest writes a pattern
     * to the first two and sees the partition of the third; after poweroff, qemu-img reads the pattern out of the
     * fixed and the differencing file, and the parent file is unchanged byte for byte.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void fixedDifferencingAndPartitionedVhdsKeepWhatTheGuestWrote(String backend) throws Exception {
        Host.requireLinuxBackend(backend);
        manager = Host.manager(dir, Host.partitions());
        manager.addProvider(new StorageVspProvider());

        long fixedSize = 48L << 20;
        Path fixed = disks.resolve("fixed.vhd");
        Vhd.create(fixed, fixedSize, Vhd.Type.FIXED, null);

        // The parent: a dynamic VHD with 0xab in its first 4 MiB, written by qemu-io (not by Celadon's code).
        long parentSize = 64L << 20;
        int parentData = 4 << 20;
        Path parent = disks.resolve("parent.vhd");
        Vhd.create(parent, parentSize, Vhd.Type.DYNAMIC, null);
        tool(List.of("qemu-io", "-f", "vpc", "-c", "write -P 0xab 0 " + parentData, parent.toString()));
        Path child = disks.resolve("child.vhd");
        Vhd.create(child, 0, Vhd.Type.DIFFERENCING, parent);
        byte[] parentBefore = Files.readAllBytes(parent);

        // qemu-img's own VHD, with one partition (Linux, start 2048, 30 MiB) in an MBR that qemu-io writes into it.
        Path partitioned = disks.resolve("qemu.vhd");
        tool(List.of("qemu-img", "create", "-f", "vpc", partitioned.toString(), "40M"));
        Matcher vs = Pattern.compile("\\((\\d+) bytes\\)").matcher(tool(List.of("qemu-img", "info", partitioned.toString())));
        assertTrue(vs.find());
        long partitionedSize = Long.parseLong(vs.group(1)); // 40M rounded to qemu's CHS geometry
        long partStart = 2048;
        long partSectors = 61440;
        Path mbr = disks.resolve("mbr.bin");
        Files.write(mbr, mbr(partStart, partSectors));
        tool(List.of("qemu-io", "-f", "vpc", "-c", "write -s " + mbr + " 0 512", partitioned.toString()));

        GuestKitImage kit = new GuestKit().prepare();
        String cmdline = kit.defaultCmdline() + (backend.equals("emulator")
                ? GuestKit.emulatedCpuCmdline(VmRun.EMULATOR_TSC_HZ) : "");
        manager.create(new VmDefinition("disks3", 1, 256, null, kit.kernel().toString(), kit.initrd().toString(),
                cmdline, backend, List.of(new Disk(fixed.toString(), false), new Disk(child.toString(), false),
                        new Disk(partitioned.toString(), true))));
        long t0 = System.nanoTime();
        manager.start("disks3");
        awaitConsole(manager, "disks3", "CELADON-GUEST-READY cpus=1 mem_kb=", 300);
        System.out.printf("StorageLinuxTest[%s]: READY after %.1f s%n", backend, (System.nanoTime() - t0) / 1e9);
        // Three storvsc hosts scan asynchronously, in no fixed order: wait for three disks and the partition.
        String parts = "";
        long until = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < until) {
            parts = run("disks3", "cat /proc/partitions", 60);
            if (Pattern.compile("(?m)\\ssd[a-z]\\s*$").matcher(parts).results().count() == 3
                    && Pattern.compile("(?m)\\ssd[a-z]1\\s*$").matcher(parts).find()) {
                break;
            }
            Thread.sleep(1000);
        }
        System.out.println("StorageLinuxTest[" + backend + "]: /proc/partitions with three disks:\n" + parts);
        String fixedDev = diskOfSize(parts, fixedSize);
        String childDev = diskOfSize(parts, parentSize);
        String partDev = diskOfSize(parts, partitionedSize);
        Matcher p1 = Pattern.compile("(?m)^\\s*\\d+\\s+\\d+\\s+(\\d+)\\s+" + partDev + "1\\s*$").matcher(parts);
        assertTrue(p1.find(), "no " + partDev + "1 in /proc/partitions:\n" + parts);
        assertEquals(partSectors / 2, Long.parseLong(p1.group(1)), partDev + "1's size in KiB, as the MBR says");
        String start = run("disks3", "cat /sys/class/block/" + partDev + "1/start", 30);
        assertEquals(String.valueOf(partStart), start.strip(), "the partition's first sector");
        String log = console(manager, "disks3");
        assertTrue(log.contains(partDev + ": " + partDev + "1"), "the kernel's partition scan line:\n" + log);
        assertTrue(log.contains("[" + partDev + "] Write Protect is on"), "attached read-only");
        assertFalse(log.contains("could not load hv_storvsc"), log);

        // The guest sees the parent's data through the differencing disk: 1 MiB of 0xab at 3 MiB.
        byte[] ab = new byte[1 << 20];
        Arrays.fill(ab, (byte) 0xab);
        String parentSum = run("disks3", "dd if=/dev/" + childDev + " bs=65536 skip=48 count=16 2>/dev/null | md5sum", 60);
        assertTrue(parentSum.contains(md5(ab)), "the parent's data as the guest reads it:\n" + parentSum);

        // The pattern: 4200 bytes at 1 MiB on the fixed disk; at 2 MiB - 2 KiB on the differencing disk, so it spans
        // two of its 2 MiB blocks and the page cache reads the parent's data around it (read-modify-write).
        long childAt = (2L << 20) - 2048;
        run("disks3", "awk 'BEGIN{for(i=0;i<200;i++) printf \"CELADON-PATTERN-%04d\\n\", i}' > /tmp/p; "
                + "dd if=/tmp/p of=/dev/" + fixedDev + " bs=4096 seek=256 conv=fsync; "
                + "dd if=/tmp/p of=/dev/" + childDev + " bs=512 seek=" + childAt / 512 + " conv=fsync; sync", 120);
        byte[] expected = pattern(); // 200 lines of 21 bytes
        String sums = run("disks3", "echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/" + fixedDev
                + " bs=4096 skip=256 count=2 2>/dev/null | head -c " + expected.length + " | md5sum; dd if=/dev/"
                + childDev + " bs=512 skip=" + childAt / 512 + " count=9 2>/dev/null | head -c " + expected.length
                + " | md5sum", 60);
        assertEquals(2, Pattern.compile("(?m)^" + md5(expected) + " ").matcher(sums).results().count(),
                "what the guest reads back from both disks is what it wrote:\n" + sums);

        assertEquals("0", manager.info("disks3").runtime().get("vmbus-violations"), manager.info("disks3").toString());
        manager.console("disks3").type("poweroff\n".getBytes(StandardCharsets.US_ASCII));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (manager.info("disks3").state() != VmState.STOPPED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(VmState.STOPPED, manager.info("disks3").state(), console(manager, "disks3"));
        LinuxBootTest.assertCleanKernelLog(console(manager, "disks3"));

        // Fixed: qemu-img finds the pattern at 1 MiB and nothing after it.
        byte[] fixedRaw = qemuRaw(fixed);
        // qemu-img 7.2 counts a fixed VHD's footer sector in its size (its own fixed VHDs too), so the raw may end
        // with the footer.
        assertTrue(fixedRaw.length == fixedSize || fixedRaw.length == fixedSize + 512 && "conectix".equals(
                new String(fixedRaw, (int) fixedSize, 8, StandardCharsets.US_ASCII)), "raw of " + fixedRaw.length);
        assertArrayEquals(expected, Arrays.copyOfRange(fixedRaw, 1 << 20, (1 << 20) + expected.length));
        assertEquals(0, fixedRaw[(1 << 20) + expected.length], "nothing written past the pattern");

        // Differencing: the parent file is untouched; the child holds the pattern at the offset written. qemu-img 7.2
        // reads a differencing VHD without its parent (unallocated space reads as zeros), so it shows the child's own
        // sectors: the pattern, and, in the same 4 KiB page, the parent's 0xab that the guest's page cache wrote back.
        assertArrayEquals(parentBefore, Files.readAllBytes(parent), "the parent file, byte for byte");
        byte[] childOwn = qemuRaw(child);
        assertArrayEquals(expected, Arrays.copyOfRange(childOwn, (int) childAt, (int) childAt + expected.length));
        assertEquals((byte) 0xab, childOwn[(int) childAt + expected.length], "the rest of the page: the parent's data");
        // The whole disk as the guest sees it, flattened by Celadon's converter, is qemu-img's view of the parent with
        // the pattern over it.
        byte[] parentRaw = qemuRaw(parent);
        Path flat = disks.resolve("child-flat.raw");
        Vhd.convert(child, flat, Vhd.Type.RAW, null);
        byte[] merged = Files.readAllBytes(flat);
        assertEquals(parentRaw.length, merged.length);
        byte[] want = parentRaw.clone();
        System.arraycopy(expected, 0, want, (int) childAt, expected.length);
        assertTrue(Arrays.equals(want, merged), "parent data where not written, the pattern where written");
        assertEquals(parentData, countByte(parentRaw, (byte) 0xab), "the parent holds what qemu-io wrote");
    }

    /** A master boot record with one Linux partition (type 0x83) in LBA terms; CHS fields say "use LBA". */
    static byte[] mbr(long start, long sectors) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(512).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(440, 0xce1add15); // disk signature
        int e = 446;
        b.put(e, (byte) 0x00); // not bootable
        b.put(e + 1, (byte) 0xfe).put(e + 2, (byte) 0xff).put(e + 3, (byte) 0xff);
        b.put(e + 4, (byte) 0x83);
        b.put(e + 5, (byte) 0xfe).put(e + 6, (byte) 0xff).put(e + 7, (byte) 0xff);
        b.putInt(e + 8, (int) start).putInt(e + 12, (int) sectors);
        b.put(510, (byte) 0x55).put(511, (byte) 0xaa);
        return b.array();
    }

    /** The name of the one whole disk in /proc/partitions whose size is {@code bytes}. */
    static String diskOfSize(String partitions, long bytes) {
        Matcher m = Pattern.compile("(?m)^\\s*8\\s+\\d+\\s+" + bytes / 1024 + "\\s+(sd[a-z])\\s*$").matcher(partitions);
        assertTrue(m.find(), "no disk of " + bytes / 1024 + " KiB in /proc/partitions:\n" + partitions);
        String name = m.group(1);
        assertFalse(m.find(), "two disks of " + bytes / 1024 + " KiB:\n" + partitions);
        return name;
    }

    static byte[] pattern() {
        StringBuilder pattern = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            pattern.append(String.format("CELADON-PATTERN-%04d%n", i));
        }
        return pattern.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static String md5(byte[] data) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(data));
    }

    static int countByte(byte[] data, byte value) {
        int n = 0;
        for (byte b : data) {
            n += b == value ? 1 : 0;
        }
        return n;
    }

    /** The image as qemu-img converts it to raw. */
    byte[] qemuRaw(Path vhd) throws Exception {
        Path raw = disks.resolve(vhd.getFileName() + ".qemu.raw");
        Files.deleteIfExists(raw);
        tool(List.of("qemu-img", "convert", "-f", "vpc", "-O", "raw", vhd.toString(), raw.toString()));
        return Files.readAllBytes(raw);
    }

    /** Runs a host tool; fails with its output unless it exits 0. */
    static String tool(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), command.toString());
        assertEquals(0, p.exitValue(), command + ":\n" + out);
        return out;
    }

    String run(String vm, String command, long seconds) throws InterruptedException {
        return GuestShell.run(manager, vm, command, seconds);
    }

    /** Waits until the guest's /proc/partitions has (or no longer has) a whole disk of {@code kib} KiB; its name. */
    private String awaitPartition(VmManagerImpl manager, String vm, long kib, boolean present) throws Exception {
        Pattern line = Pattern.compile("(?m)^\\s*8\\s+\\d+\\s+" + kib + "\\s+(sd[a-z]+)\\s*$");
        String parts = "";
        long until = System.nanoTime() + 180_000_000_000L;
        while (System.nanoTime() < until) {
            parts = run(vm, "cat /proc/partitions", 60);
            var m = line.matcher(parts);
            boolean found = m.find();
            if (found == present && parts.contains("major")) {
                return found ? m.group(1) : null;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("a " + kib + " KiB disk " + (present ? "never appeared" : "is still there")
                + " in the guest:\n" + parts + "\n" + console(manager, vm));
    }
}
