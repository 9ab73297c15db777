package dev.celadon.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import org.junit.jupiter.api.Test;

/**
 * Runtime plugins, seen from a real guest (issue 9): in the running distribution, a writable disk attached to a
 * running Debian guest (hot add) disappears from the guest when the storage VSP bundle is stopped (the VSP takes
 * its LUN off the bus, the guest removes the disk, then the channel is rescinded) while the guest keeps running,
 * and comes back, with what is on it, when the bundle is started again.
 * Driven as an operator would: vhd:create, vm:attach-disk, bundle:stop/start, and the guest's shell through
 * vm:send and vm:log.
 */
class StorageRuntimeLinuxTest {

    static final String STORVSP = "dev.celadon.storvsp";
    static final String VM = "rtdisk";
    static final AtomicInteger COMMANDS = new AtomicInteger();

    static KarafDistribution karaf;
    static Path disks;

    @BeforeAll
    static void start() throws Exception {
        karaf = KarafDistribution.copyOfBuild();
        karaf.start();
        disks = Files.createTempDirectory("celadon-itest-disks");
    }

    @AfterAll
    static void stop() throws Exception {
        if (karaf != null) {
            karaf.close();
            assertTrue(karaf.karafPids().isEmpty(), "a Karaf JVM was left running");
        }
        if (disks != null) {
            try (var walk = Files.walk(disks)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void stoppingTheStorageVspRescindsTheGuestsDiskAndStartingItBringsItBack() throws Exception {
        Path vhd = disks.resolve("rt.vhd");
        String created = karaf.execute("vhd:create " + vhd + " --size 24M");
        assertTrue(Files.exists(vhd), created);
        // A mark in the first sector, written on the host by qemu-io: what the guest must read before and after.
        Process qio = new ProcessBuilder("qemu-io", "-f", "vpc", "-c", "write -P 0x5a 0 512", vhd.toString())
                .redirectErrorStream(true).start();
        String qioOut = new String(qio.getInputStream().readAllBytes());
        assertTrue(qio.waitFor(60, TimeUnit.SECONDS) && qio.exitValue() == 0, qioOut);
        karaf.execute("vm:create " + VM + " --cpus 1 --memory 256 --image linux");
        String started = karaf.execute("vm:start " + VM);
        String info = karaf.execute("vm:info " + VM).toLowerCase(Locale.ROOT);
        if (info.contains("software-nested")) {
            System.out.println("itest: skipped: software-nested KVM does not boot the stock kernel in test time");
            return;
        }
        long t0 = System.nanoTime();
        karaf.awaitOutput("vm:log " + VM, "CELADON-GUEST-READY cpus=1", 300);
        System.out.printf("itest: %s READY after %.1f s (%s)%n", VM, (System.nanoTime() - t0) / 1e9, started.strip());

        // Hot add: the guest's storvsc binds to the new channel and the SCSI scan finds sda (24 MiB = 24576 KiB).
        String channelsBefore = channels();
        String attached = karaf.execute("vm:attach-disk " + VM + " " + vhd);
        assertTrue(attached.contains("disk 0"), attached);
        karaf.awaitOutput("vm:log " + VM, "[sda] Attached SCSI disk", 180);
        String parts = guest("cat /proc/partitions");
        assertTrue(sda(parts), "sda after vm:attach-disk:\n" + parts);
        String mark = guest(READ_MARK);
        assertTrue(mark.contains(MARK), mark);
        String markerBefore = "gend-" + (COMMANDS.get() + 7001);

        // The bundle goes: its disk is rescinded from the running guest, which drops the device and runs on.
        String stopped = karaf.execute("bundle:stop " + STORVSP);
        assertTrue(bundleState().contains("Resolved"), stopped + "\n" + bundleState());
        // With no block device left, Linux's /proc/partitions is empty, header included (genhd prints the header
        // with the first disk); guest() sees its begin and end markers, so an empty answer is the guest's own.
        String gone = awaitGuest("cat /proc/partitions; ls /sys/block | wc -l", p -> !sda(p), 120);
        String removed = karaf.execute("vm:log " + VM);
        String removal = removed.substring(removed.lastIndexOf(markerBefore)); // after the last command before it
        System.out.println("itest: the guest's lines after bundle:stop " + STORVSP + ":\n" + kernelLines(removal));
        assertTrue(!sda(gone) && gone.strip().equals("0"), "sda still there after bundle:stop:\n" + gone);
        String alive = guest("echo alive-$((40+2)); ls /sys/bus/vmbus/drivers/hv_storvsc/");
        assertTrue(alive.contains("alive-42"), alive);
        assertTrue(karaf.execute("vm:info " + VM).toLowerCase(Locale.ROOT).contains("running"),
                karaf.execute("vm:info " + VM));
        assertTrue(karaf.execute("vm:info " + VM).contains(vhd.toString()), "the disk stays in the definition");

        // Linux closes the rescinded channel and sends RELID_RELEASED; until then the VMBus server keeps the instance
        // (a re-offer of the same instance is refused, and management does not retry it), so wait for that first.
        long t1 = System.nanoTime();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!channels().equals(channelsBefore) && System.nanoTime() < until) {
            Thread.sleep(500);
        }
        assertEquals(channelsBefore, channels(), "the guest released the disk's channel:\n" + karaf.execute("vm:info " + VM));
        System.out.printf("itest: the guest released the rescinded channel %.1f s after bundle:stop%n",
                (System.nanoTime() - t1) / 1e9);

        // The bundle comes back: the disk is offered again, the guest finds it and reads what it wrote.
        karaf.execute("bundle:start " + STORVSP);
        assertTrue(bundleState().contains("Active"), bundleState());
        String back = awaitGuest("cat /proc/partitions", StorageRuntimeLinuxTest::sda, 180);
        assertTrue(sda(back), "sda after bundle:start:\n" + back + "\n" + tail(karaf.execute("vm:log " + VM))
                + "\n" + karaf.execute("vm:info " + VM) + "\n" + karafLines(VM, "storvsp", "provider", "ERROR"));
        String again = guest(READ_MARK);
        assertTrue(again.contains(MARK), "the disk's first sector after bundle:start:\n" + again);
        System.out.println("itest: after bundle:start " + STORVSP + ": " + again.strip());

        String off = karaf.execute("vm:stop " + VM);
        assertTrue(off.contains("stopped"), off);
    }

    /** The guest prints the first sector's bytes as hex: qemu-io wrote 0x5a there. */
    static final String READ_MARK = "dd if=/dev/sda bs=512 count=1 2>/dev/null | od -An -tx1 | head -n 1";
    static final String MARK = " 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a";

    /** vm:info's vmbus-channels figure (the integration services' channels are there too). */
    static String channels() throws Exception {
        java.util.regex.Matcher m = Pattern.compile("vmbus-channels\\s+(\\d+)").matcher(karaf.execute("vm:info " + VM));
        return m.find() ? m.group(1) : "?";
    }

    static boolean sda(String partitions) {
        return Pattern.compile("(?m)^\\s*8\\s+0\\s+24576\\s+sda\\s*$").matcher(partitions).find();
    }

    static String bundleState() throws Exception {
        return karaf.execute("bundle:list -s -t 0").lines().filter(l -> l.contains(STORVSP)).findFirst().orElse("?");
    }

    /** The kernel's lines ("[  12.345678] ...") of a stretch of console output. */
    static String kernelLines(String log) {
        return String.join("\n", log.lines().filter(l -> l.matches(".*\\[\\s*\\d+\\.\\d+\\].*")).toList());
    }

    /** karaf.log's lines that contain any of {@code words}, for failure messages. */
    static String karafLines(String... words) throws Exception {
        return "--- karaf.log (" + String.join(", ", words) + ") ---\n" + String.join("\n",
                Files.readAllLines(karaf.home().resolve("data/log/karaf.log")).stream()
                        .filter(l -> java.util.Arrays.stream(words).anyMatch(l::contains)).toList());
    }

    static String tail(String log) {
        return "--- vm:log (end) ---\n" + log.substring(Math.max(0, log.length() - 4000));
    }

    /**
     * Types a command line into the guest's shell (vm:send) and returns what it printed, read from vm:log: the text
     * between the echo of the line and an end marker the shell computes ("end-N", which the echoed line does not
     * contain literally). Single-quoted for Karaf's shell, which would otherwise expand $ and split at ; and >.
     */
    static String guest(String command) throws Exception {
        int n = COMMANDS.incrementAndGet() + 7000;
        String begin = "gbeg-" + n;
        String marker = "gend-" + (n + 1);
        karaf.execute("vm:send " + VM + " 'echo gbeg-$((" + n + "+0)); " + command + "; echo gend-$((" + n + "+1))'");
        String log = karaf.awaitOutput("vm:log " + VM, marker, 120);
        int from = log.indexOf(begin + "\n") + begin.length() + 1;
        int at = log.indexOf(marker, from);
        return log.substring(from, at).replace("\r", "");
    }

    static String awaitGuest(String command, java.util.function.Predicate<String> done, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String out = guest(command);
        while (!done.test(out) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            out = guest(command);
        }
        return out;
    }
}
