package dev.celadon.loopback.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.BackendKind;
import dev.celadon.hypervisor.api.GuestMemoryException;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.hyperv.ConnectionHandler;
import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.api.intercept.Registration;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HvPartitionImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import dev.celadon.loopback.LoopbackGuest;
import dev.celadon.loopback.LoopbackVp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The loopback backend under the real core: partition manager, intercept routing and the Hyper-V layer, with the
 * guest side as Java programs on the VP threads. What is checked is what a guest or the host sees: CPUID and MSR
 * values, hypercall statuses, bytes in guest RAM, interrupts, threads and mappings.
 */
class LoopbackBackendTest {
    static final int GUEST_OS_ID = 0x40000000, HYPERCALL = 0x40000001, VP_INDEX = 0x40000002;
    static final int SCONTROL = 0x40000080, SIEFP = 0x40000082, SIMP = 0x40000083, EOM = 0x40000084,
            SINT0 = 0x40000090;
    static final long LINUX_OS_ID = 0x8100_0006_0100_0000L;
    static final long HC_PAGE = 0x5000, SIMP_PAGE = 0x6000, SIEFP_PAGE = 0x7000, INPUT = 0x8000;
    static final int VECTOR = 0xF3;

    PartitionManagerImpl manager;
    LoopbackBackend backend;
    final HyperVService hyperV = new HyperVService();
    Registration program;

    @BeforeEach
    void setUp() {
        manager = new PartitionManagerImpl(new LinuxGuestPack());
        backend = new LoopbackBackend();
        manager.register(LoopbackBackend.NAME, LoopbackBackend.PREFERENCE, backend);
    }

    @AfterEach
    void tearDown() {
        if (program != null) {
            program.close();
        }
        manager.deactivate();
    }

    Partition create(String name, int vps, LoopbackGuest guest) {
        program = backend.assign(name, guest);
        return manager.create(PartitionConfig.ofMib(name, vps, 16, LoopbackBackend.NAME));
    }

    static BootState boot() {
        return new BootState(BootState.Mode.PROTECTED_32, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Runs the partition to its end and says why if it failed. */
    static void runToEnd(Partition p) throws InterruptedException {
        p.start(boot());
        assertTrue(p.awaitTermination(Duration.ofSeconds(10)), "partition did not end");
        assertEquals(PartitionState.STOPPED, p.state(), p.failureReason().orElse(""));
    }

    static void enableHypercalls(LoopbackVp vp) {
        vp.wrmsr(GUEST_OS_ID, LINUX_OS_ID);
        vp.wrmsr(HYPERCALL, HC_PAGE | 1);
    }

    static void enableSynic(LoopbackVp vp) {
        vp.wrmsr(SIMP, SIMP_PAGE | 1);
        vp.wrmsr(SIEFP, SIEFP_PAGE | 1);
        vp.wrmsr(SINT0 + 2, VECTOR);
        vp.wrmsr(SCONTROL, 1);
    }

    @Test
    void autoNeverPicksLoopbackButItCanBeNamed() {
        HypervisorException e = assertThrows(HypervisorException.class, () -> manager.resolveBackend("auto"));
        assertTrue(e.getMessage().contains("loopback (loopback)"), e.getMessage());
        assertEquals(BackendKind.LOOPBACK, manager.resolveBackend("loopback").kind());
        assertFalse(manager.resolveBackend("loopback").kind().runsGuestCode());
    }

    @Test
    void cpuidAndSyntheticMsrsGoThroughTheCore() throws InterruptedException {
        Map<Integer, Long> vpIndex = new ConcurrentHashMap<>();
        AtomicReference<String> signature = new AtomicReference<>();
        AtomicReference<String> gp = new AtomicReference<>();
        Partition p = create("msr", 2, vp -> {
            vpIndex.put(vp.index(), vp.rdmsr(VP_INDEX));
            if (vp.index() != 0) {
                return;
            }
            CpuidResult hv = vp.cpuid(0x40000000, 0);
            ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(hv.ebx()).putInt(hv.ecx()).putInt(hv.edx());
            signature.set(new String(b.array(), StandardCharsets.US_ASCII));
            if ((vp.cpuid(1, 0).ecx() & 1 << 31) == 0) {
                throw new AssertionError("no hypervisor bit");
            }
            try {
                vp.wrmsr(HYPERCALL, HC_PAGE | 1); // before the guest OS id: #GP
            } catch (GeneralProtectionFault e) {
                gp.set(e.getMessage());
            }
            enableHypercalls(vp);
            try {
                vp.rdmsr(0x4000_1234);
                throw new AssertionError("no #GP for an MSR nobody claimed");
            } catch (GeneralProtectionFault expected) {
                // as hardware
            }
        });
        runToEnd(p);
        assertEquals(Map.of(0, 0L, 1, 1L), vpIndex);
        assertEquals("Microsoft Hv", signature.get());
        assertNotNull(gp.get());
        assertTrue(gp.get().contains("GUEST_OS_ID"), gp.get());
    }

    @Test
    void hypercallPageIsWrittenIntoGuestRam() throws InterruptedException {
        AtomicReference<byte[]> page = new AtomicReference<>();
        AtomicReference<HvPartition> hv = new AtomicReference<>();
        CountDownLatch enabled = new CountDownLatch(1);
        CountDownLatch checked = new CountDownLatch(1);
        Partition p = create("hcpage", 1, vp -> {
            enableHypercalls(vp);
            page.set(vp.memory().read(HC_PAGE, 8));
            enabled.countDown();
            checked.await(5, TimeUnit.SECONDS);
        });
        p.start(boot());
        assertTrue(enabled.await(5, TimeUnit.SECONDS));
        hv.set(hyperV.of(p).orElseThrow());
        assertEquals(HC_PAGE, hv.get().hypercallPage());
        assertEquals(LINUX_OS_ID, hv.get().guestOsId().raw());
        checked.countDown();
        assertTrue(p.awaitTermination(Duration.ofSeconds(5)));
        assertArrayEquals(new byte[] {0x0F, 0x01, (byte) 0xC1, (byte) 0xC3, (byte) 0xCC, (byte) 0xCC, (byte) 0xCC,
                (byte) 0xCC}, page.get(), "VMCALL, RET, INT3...");
    }

    @Test
    void hypercallsAreValidatedByTheCoreDispatcher() throws InterruptedException {
        AtomicReference<int[]> statuses = new AtomicReference<>();
        AtomicReference<byte[]> received = new AtomicReference<>();
        Partition p = create("hc", 1, vp -> {
            vp.memory().writeU32(INPUT, 7);
            vp.memory().writeU32(INPUT + 4, 0);
            vp.memory().writeU32(INPUT + 8, 1);
            vp.memory().writeU32(INPUT + 12, 5);
            vp.memory().write(INPUT + 16, "hello".getBytes(StandardCharsets.US_ASCII));
            int beforeEnable = (int) vp.hypercall(0x5C, INPUT, 0) & 0xFFFF;
            enableHypercalls(vp);
            int unknownCode = (int) vp.hypercall(0x99, 0, 0) & 0xFFFF;
            int posted = (int) vp.hypercall(0x5C, INPUT, 0) & 0xFFFF;
            vp.memory().writeU32(INPUT, 8);
            int noConnection = (int) vp.hypercall(0x5C, INPUT, 0) & 0xFFFF;
            int fastPost = (int) vp.hypercall(0x5C | 1 << 16, INPUT, 0) & 0xFFFF;
            int misaligned = (int) vp.hypercall(0x5C, INPUT + 4, 0) & 0xFFFF;
            int outsideRam = (int) vp.hypercall(0x5C, 64L << 20, 0) & 0xFFFF;
            int fastSignal = (int) vp.hypercall(0x5D | 1 << 16, 7 | 3L << 32, 0) & 0xFFFF;
            statuses.set(new int[] {beforeEnable, unknownCode, posted, noConnection, fastPost, misaligned, outsideRam,
                    fastSignal});
        });
        HvPartition hv = hyperV.of(p).orElseThrow();
        AtomicReference<Integer> flag = new AtomicReference<>();
        hv.connect(7, new ConnectionHandler() {
            @Override
            public int postMessage(int vpIndex, int connectionId, HvMessageType type, byte[] payload) {
                received.set(payload);
                return HvStatus.SUCCESS;
            }

            @Override
            public int signalEvent(int vpIndex, int connectionId, int flagNumber) {
                flag.set(flagNumber);
                return HvStatus.SUCCESS;
            }
        });
        runToEnd(p);
        assertArrayEquals(new int[] {HvStatus.ACCESS_DENIED, HvStatus.INVALID_HYPERCALL_CODE, HvStatus.SUCCESS,
                HvStatus.INVALID_CONNECTION_ID, HvStatus.INVALID_HYPERCALL_INPUT, HvStatus.INVALID_ALIGNMENT,
                HvStatus.INVALID_PARAMETER, HvStatus.SUCCESS}, statuses.get());
        assertEquals("hello", new String(received.get(), StandardCharsets.US_ASCII));
        assertEquals(3, flag.get());
    }

    @Test
    void synicMessagesAndEventsArriveAsInterruptsAndEoiReleasesTheQueue() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        CountDownLatch posted = new CountDownLatch(1);
        AtomicReference<String> seen = new AtomicReference<>();
        Partition p = create("synic", 1, vp -> {
            enableHypercalls(vp);
            enableSynic(vp);
            ready.countDown();
            posted.await(5, TimeUnit.SECONDS); // interrupts off until the host has posted both
            StringBuilder log = new StringBuilder();
            long slot = SIMP_PAGE + 2 * SynicMessage.SIZE;
            for (int i = 0; i < 2; i++) {
                int v = vp.awaitInterrupt(Duration.ofSeconds(5));
                log.append("irq ").append(Integer.toHexString(v)).append(' ');
                SynicMessage m = SynicMessage.decode(vp.memory().read(slot, SynicMessage.SIZE));
                log.append(new String(m.payload(), StandardCharsets.US_ASCII)).append(' ');
                log.append("pending ").append(vp.memory().readU8(slot + SynicMessage.FLAGS_OFFSET) & 1).append(' ');
                vp.memory().writeU32(slot, 0); // free the slot, then EOI without EOM: the EOI callback re-posts
                vp.eoi();
            }
            int v = vp.awaitInterrupt(Duration.ofSeconds(5));
            log.append("irq ").append(Integer.toHexString(v)).append(" flags ")
                    .append(Integer.toHexString(vp.memory().readU32(SIEFP_PAGE + 2 * 256)));
            vp.eoi();
            seen.set(log.toString());
        });
        p.start(boot());
        assertTrue(ready.await(5, TimeUnit.SECONDS));
        HvPartition hv = hyperV.of(p).orElseThrow();
        // Posted before the guest looks: the first lands in the slot, the second waits with "pending" set.
        assertEquals(PostResult.DELIVERED, hv.post(0, 2, new SynicMessage(HvMessageType.VMBUS, 1, "one".getBytes())));
        assertEquals(PostResult.QUEUED, hv.post(0, 2, new SynicMessage(HvMessageType.VMBUS, 1, "two".getBytes())));
        posted.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (p.state() == PartitionState.RUNNING && seen.get() == null && System.nanoTime() < deadline) {
            if (((HvPartitionImpl) hv).queued(0, 2) == 0 && p.memory().readU32(SIMP_PAGE + 2 * 256) == 0) {
                hv.signalEvent(0, 2, 5); // both messages taken: now an event flag
                break;
            }
            Thread.sleep(5);
        }
        assertTrue(p.awaitTermination(Duration.ofSeconds(10)));
        assertEquals(PartitionState.STOPPED, p.state(), p.failureReason().orElse(""));
        assertEquals("irq f3 one pending 1 irq f3 two pending 0 irq f3 flags 20", seen.get());
    }

    @Test
    void stopJoinsTheThreadsAndUnmapsTheRam() throws Exception {
        CountDownLatch running = new CountDownLatch(2);
        Partition p = create("stopme", 2, vp -> {
            running.countDown();
            while (true) {
                vp.awaitInterrupt(Duration.ofSeconds(1)); // until the host stops us (VpStoppedException)
            }
        });
        LoopbackPartition lp = (LoopbackPartition) backendPartition(p);
        List<Long> addresses = lp.ram().hostAddresses();
        p.start(boot());
        assertTrue(running.await(5, TimeUnit.SECONDS));
        assertEquals(2, threads("celadon-stopme-loopback-vp"));
        for (long a : addresses) {
            assertTrue(mapped(a), "RAM mapped at 0x" + Long.toHexString(a));
        }
        p.stop();
        assertEquals(PartitionState.STOPPED, p.state());
        assertEquals(0, threads("celadon-stopme-loopback-vp"));
        for (long a : addresses) {
            assertFalse(mapped(a), "RAM still mapped at 0x" + Long.toHexString(a));
        }
        assertThrows(GuestMemoryException.class, () -> lp.ram().readU32(0));
    }

    @Test
    void aProgramBlockedOutsideItsVpIsInterruptedAtStop() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        Partition p = create("blocked", 1, vp -> {
            running.countDown();
            new CountDownLatch(1).await(); // not a VP call: only an interrupt gets it out
        });
        p.start(boot());
        assertTrue(running.await(5, TimeUnit.SECONDS));
        p.stop();
        assertEquals(0, threads("celadon-blocked-loopback-vp"));
        assertEquals(PartitionState.STOPPED, p.state());
    }

    @Test
    void aThrowingProgramFailsThePartitionWithTheReason() throws InterruptedException {
        Partition p = create("boom", 2, vp -> {
            if (vp.index() == 1) {
                throw new IllegalStateException("guest bug on purpose");
            }
            vp.awaitInterrupt(Duration.ofSeconds(10));
        });
        p.start(boot());
        assertTrue(p.awaitTermination(Duration.ofSeconds(10)));
        assertEquals(PartitionState.FAILED, p.state());
        String why = p.failureReason().orElseThrow();
        assertTrue(why.contains("VP 1") && why.contains("guest bug on purpose"), why);
        assertEquals(0, threads("celadon-boom-loopback-vp"));
    }

    @Test
    void withoutAProgramThePartitionDoesNotStart() {
        Partition p = manager.create(PartitionConfig.ofMib("empty", 1, 16, LoopbackBackend.NAME));
        HypervisorException e = assertThrows(HypervisorException.class, () -> p.start(boot()));
        assertTrue(e.getMessage().contains("no loopback guest program"), e.getMessage());
        assertEquals(PartitionState.FAILED, p.state());
    }

    @Test
    void aVpIsUsableOnlyOnItsOwnThread() throws InterruptedException {
        AtomicReference<LoopbackVp> leaked = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Partition p = create("confined", 1, vp -> {
            leaked.set(vp);
            done.await(5, TimeUnit.SECONDS);
        });
        p.start(boot());
        while (leaked.get() == null) {
            Thread.sleep(2);
        }
        assertThrows(IllegalStateException.class, () -> leaked.get().rdmsr(VP_INDEX));
        assertThrows(IllegalStateException.class, () -> leaked.get().hypercall(0x5C, 0, 0));
        done.countDown();
        assertTrue(p.awaitTermination(Duration.ofSeconds(5)));
        assertEquals(PartitionState.STOPPED, p.state());
    }

    @Test
    void aSecondProgramForTheSameNameIsRefused() {
        program = backend.assign("twice", vp -> { });
        assertThrows(HypervisorException.class, () -> backend.assign("twice", vp -> { }));
        program.close();
        program = backend.assign("twice", vp -> { });
    }

    @Test
    void msiReachesTheNamedProcessor() throws InterruptedException {
        AtomicReference<Integer> got = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        Partition p = create("msi", 2, vp -> {
            if (vp.index() == 1) {
                ready.countDown();
                got.set(vp.awaitInterrupt(Duration.ofSeconds(5)));
                vp.eoi();
            }
        });
        p.start(boot());
        assertTrue(ready.await(5, TimeUnit.SECONDS));
        p.interrupts().signalMsi(0xFEE0_1000L, 0x41); // destination APIC 1, fixed, vector 0x41
        runToEndAfterStart(p);
        assertEquals(0x41, got.get());
    }

    static void runToEndAfterStart(Partition p) throws InterruptedException {
        assertTrue(p.awaitTermination(Duration.ofSeconds(10)), "partition did not end");
        assertEquals(PartitionState.STOPPED, p.state(), p.failureReason().orElse(""));
    }

    /** The backend's partition behind the core's (the test reaches into it for host addresses only). */
    static Object backendPartition(Partition p) {
        try {
            var f = p.getClass().getDeclaredField("backend");
            f.setAccessible(true);
            return f.get(p);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static long threads(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        long n;
        do {
            n = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
        } while (n > 0 && System.nanoTime() < deadline && sleep());
        return n;
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(10);
        return true;
    }

    static boolean mapped(long address) throws IOException {
        String hex = Long.toHexString(address);
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.startsWith(hex + "-"));
    }
}
