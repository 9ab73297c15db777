package dev.celadon.shell.vmbus.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.linux.kit.GuestKit;
import dev.celadon.guest.loopback.StorageIoProgram;
import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import dev.celadon.loader.internal.KernelLoader;
import dev.celadon.loopback.internal.LoopbackBackend;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import dev.celadon.management.VmState;
import dev.celadon.management.internal.VmManagerImpl;
import dev.celadon.shell.vmbus.internal.completers.RunningVmCompleter;
import dev.celadon.storvsp.internal.StorageVspProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vmbus:channels on a real VM: management (VmManagerImpl) on the real core with the loopback backend, storvsp as
 * the disk provider, and the storage-io Java guest speaking VMBus and storvsc through the core's hypercalls and
 * SynIC. The output is what an operator sees; the disk file is read afterwards for the guest's marker blocks.
 */
class ChannelsCommandTest {
    static final int RING_DATA = (32 - 1) * 4096; // storage-io's rings: 32 pages each way, one of them the header

    @TempDir
    Path dir;

    PartitionManagerImpl partitions;
    LoopbackBackend backend;
    VmManagerImpl manager;
    StorageVspProvider storvsp;
    StorageIoProgram program;
    Registration assigned;
    Path disk;

    @BeforeEach
    void setUp() throws Exception {
        partitions = new PartitionManagerImpl(new LinuxGuestPack());
        backend = new LoopbackBackend();
        partitions.register(LoopbackBackend.NAME, LoopbackBackend.PREFERENCE, backend);
        manager = new VmManagerImpl(partitions, new HyperVService(), new KernelLoader(), dir.resolve("vms"),
                GuestKit::new);
        storvsp = new StorageVspProvider();
        manager.addProvider(storvsp);
        disk = dir.resolve("lb.raw");
        Files.write(disk, new byte[4 << 20]);
        program = new StorageIoProgram(Duration.ofMillis(50));
        assigned = backend.assign("lb", program);
        manager.create(new VmDefinition("lb", 1, 64, VmDefinition.IMAGE_JAVA, null, null, null,
                LoopbackBackend.NAME, List.of(new VmDefinition.Disk(disk.toString(), false))));
    }

    @AfterEach
    void tearDown() {
        manager.deactivate();
        assigned.close();
        partitions.deactivate();
    }

    private String channels(String name) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChannelsCommand c = new ChannelsCommand();
        c.manager = manager;
        c.name = name;
        c.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static long number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + out);
        return Long.parseLong(m.group(1));
    }

    @Test
    void showsTheStorageChannelItsRingsAndCountersThenTheRescindAndTheNewOffer() throws Exception {
        manager.start("lb");
        await("storage-io opened the disk and read its marker back", () -> program.status().openSessions() == 1
                && program.status().reads() >= 3);
        String out = channels("lb");
        System.out.println(out);
        assertTrue(out.startsWith("VM lb (running): VMBus 5.3, 1 channel(s), 0 violation(s) in all\n"), out);
        assertTrue(out.contains("\nRelid 1: storvsc (synthetic SCSI controller), open\n"), out);
        assertTrue(out.contains("  Interface   ba6163d9-04a1-4d29-b605-72e2ffb1dc7f\n"), out);
        Matcher inst = Pattern.compile("  Instance    ([0-9a-f-]{36})\n").matcher(out);
        assertTrue(inst.find(), out);
        assertTrue(out.contains("  Device      storvsp " + inst.group(1) + " LUN 0: " + disk + " (4194304 bytes)"), out);
        assertTrue(out.contains("  Connection  id "), out);
        assertTrue(out.contains(", 1 GPADL(s)"), out);
        // Both rings are well-formed, 126976 data bytes each; the indices are where the packets went.
        long in = number(out, "Ring in     (\\d+)/" + RING_DATA + " bytes used \\(");
        long out2 = number(out, "Ring out    (\\d+)/" + RING_DATA + " bytes used \\(");
        assertTrue(in < RING_DATA && out2 < RING_DATA, out);
        long writeIndex = number(out, "Ring in .* write_index (\\d+)");
        assertTrue(writeIndex > 0 && writeIndex % 8 == 0, "the guest wrote packets into its ring:\n" + out);
        long packetsIn = number(out, "Packets     in (\\d+)");
        // storvsc's initialisation is 5 packets (BEGIN, 3 version queries at most, PROPERTIES, END): at least 4,
        // then READ CAPACITY, WRITE, SYNCHRONIZE CACHE and every read since.
        long io = program.status().reads() + program.status().writes();
        assertTrue(packetsIn >= 4 + 2 + io - 1, packetsIn + " packets for " + io + " I/Os:\n" + out);
        assertTrue(number(out, "Packets     in \\d+, out (\\d+)") >= packetsIn - 1, out);
        assertTrue(number(out, "Signals     in (\\d+)") > 0, out);
        assertTrue(number(out, "out (\\d+) \\(interrupts to the guest\\)") > 0, out);
        assertTrue(out.contains("  Violations  0\n"), out);

        // The disk provider leaves (bundle:stop of storvsp): its channel is rescinded, the guest releases it, the
        // VM keeps running, and the listing says the disk has no channel.
        manager.removeProvider(storvsp);
        await("the guest saw the rescind", () -> program.status().rescinds() == 1);
        await("the relid was released", () -> manager.channels("lb").isEmpty());
        out = channels("lb");
        assertTrue(out.startsWith("VM lb (running): VMBus 5.3, 0 channel(s)"), out);
        assertTrue(out.contains("disk.0: no channel (not served: no disk provider)"), out);
        assertEquals(VmState.RUNNING, manager.info("lb").state());

        // It comes back: offered again (hot add), the guest opens session 2 and writes its marker.
        StorageVspProvider again = new StorageVspProvider();
        manager.addProvider(again);
        await("session 2 open", () -> program.status().sessions() == 2 && program.status().openSessions() == 1);
        out = channels("lb");
        assertTrue(out.contains("\nRelid 1: storvsc (synthetic SCSI controller), open\n"), out);
        assertFalse(out.contains("no channel"), out);
        assertTrue(new RunningVmCompleter() {{ manager = ChannelsCommandTest.this.manager; }}.names().getStrings()
                .contains("lb"));

        manager.stop("lb");
        assertEquals(0, program.status().errors(), program.status().log().toString());
        // The markers of both sessions are in the file, at LBA 0 and 1, as the guest wrote them.
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "r")) {
            for (int session = 1; session <= 2; session++) {
                byte[] block = new byte[512];
                f.seek((session - 1) * 512L);
                f.readFully(block);
                assertArrayEquals(StorageIoProgram.marker(session, 512), block, "marker of session " + session);
            }
        }
    }

    @Test
    void clearErrorsForNoSuchVmAndAVmNotRunning() {
        VmException e = assertThrows(VmException.class, () -> channels("nope"));
        assertEquals("no VM named nope; VMs: lb", e.getMessage());
        e = assertThrows(VmException.class, () -> channels("lb"));
        assertEquals("VM lb is not running (defined): it has VMBus channels only while it runs", e.getMessage());
        assertTrue(new RunningVmCompleter() {{ manager = ChannelsCommandTest.this.manager; }}.names().getStrings()
                .isEmpty(), "only running VMs are completed");
    }

    @Test
    void aJavaImageNeedsTheLoopbackBackendAndTheLoopbackBackendAJavaImage() {
        VmException e = assertThrows(VmException.class, () -> manager.create(new VmDefinition("x", 1, 64,
                VmDefinition.IMAGE_DEMO, null, null, null, LoopbackBackend.NAME)));
        assertEquals("the loopback backend runs Java programs, not kernels: use --image java", e.getMessage());
        e = assertThrows(VmException.class, () -> manager.create(new VmDefinition("y", 1, 64,
                VmDefinition.IMAGE_JAVA, null, null, null, null)));
        assertEquals("--image java (a Java program as the guest) needs --backend loopback", e.getMessage());
        // Without a program assigned the start fails and says what is missing.
        manager.create(new VmDefinition("noprog", 1, 64, VmDefinition.IMAGE_JAVA, null, null, null,
                LoopbackBackend.NAME));
        e = assertThrows(VmException.class, () -> manager.start("noprog"));
        assertTrue(e.getMessage().contains("no loopback guest program is assigned to partition noprog"), e.getMessage());
    }
}
