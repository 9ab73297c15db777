package dev.celadon.kvm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tiny guests (32-bit machine code, assembly in the comments) on this machine's real /dev/kvm. */
class KvmBackendTest {

    static final long LOAD = 0x1000;
    static final BootState BOOT = new BootState(BootState.Mode.PROTECTED_32, LOAD, 0x8000, 0, 0, 0, 0, 0, 0x10, 0x18);

    /** Records what the guest does, answers port reads with a fixed value. */
    static final class Recorder implements ExitHandler {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch exited = new CountDownLatch(1);
        volatile String failure;
        volatile int portReadValue = 0x5A;
        volatile long msrValue = 0x1234_5678_9ABC_DEF0L;
        volatile boolean gpOnMsr;

        @Override
        public int portRead(VirtualProcessor vp, int port, int size) {
            events.add(String.format("in %x", port));
            return portReadValue;
        }

        @Override
        public void portWrite(VirtualProcessor vp, int port, int size, int value) {
            events.add(String.format("out %x %x", port, value));
        }

        @Override
        public long mmioRead(VirtualProcessor vp, long address, int size) {
            events.add(String.format("mmio-read %x/%d", address, size));
            return 0x11223344L;
        }

        @Override
        public void mmioWrite(VirtualProcessor vp, long address, int size, long value) {
            events.add(String.format("mmio-write %x/%d %x", address, size, value));
        }

        @Override
        public long msrRead(VirtualProcessor vp, int msr) {
            events.add(String.format("rdmsr %x", msr));
            if (gpOnMsr) {
                throw new GeneralProtectionFault("test");
            }
            return msrValue;
        }

        @Override
        public void msrWrite(VirtualProcessor vp, int msr, long value) {
            events.add(String.format("wrmsr %x %x", msr, value));
        }

        @Override
        public void hypercall(VirtualProcessor vp) {
            events.add("hypercall");
        }

        @Override
        public void vpExited(VirtualProcessor vp, String failure) {
            this.failure = failure;
            exited.countDown();
        }

        boolean awaitEvent(String e, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                if (events.contains(e)) {
                    return true;
                }
                Thread.sleep(5);
            }
            return false;
        }
    }

    KvmBackend backend;

    @BeforeEach
    void kvm(org.junit.jupiter.api.TestInfo test) {
        if (!Files.exists(Path.of("/dev/kvm"))) {
            // Said on the console too: these tests need the real KVM; the emulator's own tests cover the rest here.
            System.out.println("skipped " + test.getDisplayName() + ": /dev/kvm does not exist on this host");
        }
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/kvm")), "skipped: /dev/kvm does not exist on this host");
        backend = new KvmBackend();
        assertTrue(backend.capabilities().available(), backend.capabilities().unavailableReason());
    }

    BackendPartition run(String name, long memory, Recorder r, int... code) {
        BackendPartition p = backend.createPartition(new PartitionConfig(name, 1, memory), r);
        byte[] bytes = new byte[code.length];
        for (int i = 0; i < code.length; i++) {
            bytes[i] = (byte) code[i];
        }
        p.memory().write(LOAD, bytes);
        p.start(BOOT, List.of(p.baseCpuid(0)));
        return p;
    }

    @Test
    void portIoAndMsrsReachUserSpace() throws Exception {
        Recorder r = new Recorder();
        try (BackendPartition p = run("io", 16 << 20, r,
                0x66, 0xBA, 0xF8, 0x03,             // mov dx, 0x3f8
                0xB0, 'h', 0xEE, 0xB0, 'i', 0xEE,   // mov al,'h'; out dx,al; mov al,'i'; out dx,al
                0xEC, 0xEE,                         // in al,dx; out dx,al   (echo what the host gave)
                0xB9, 0x01, 0x00, 0x00, 0x40,       // mov ecx, 0x40000001
                0x0F, 0x32,                         // rdmsr
                0x66, 0xBA, 0xF9, 0x03, 0xEE,       // mov dx,0x3f9; out dx,al  (low byte of the MSR)
                0xB9, 0x00, 0x00, 0x00, 0x40,       // mov ecx, 0x40000000
                0xB8, 0x78, 0x56, 0x34, 0x12,       // mov eax, 0x12345678
                0xBA, 0x01, 0x00, 0x00, 0x81,       // mov edx, 0x81000001
                0x0F, 0x30,                         // wrmsr
                0x66, 0xBA, 0xFA, 0x03, 0xEE,       // mov dx,0x3fa; out dx,al
                0xFA, 0xF4, 0xEB, 0xFD)) {          // cli; hlt; jmp back to hlt
            assertTrue(r.awaitEvent("out 3fa 78", 10), r.events.toString() + " " + r.failure);
            assertEquals(List.of("out 3f8 68", "out 3f8 69", "in 3f8", "out 3f8 5a", "rdmsr 40000001", "out 3f9 f0",
                    "wrmsr 40000000 8100000112345678", "out 3fa 78"), r.events);
        }
        assertTrue(r.exited.await(5, TimeUnit.SECONDS));
        assertEquals(null, r.failure, "a requested stop is not a failure");
    }

    @Test
    void mmioOutsideRamReachesUserSpace() throws Exception {
        Recorder r = new Recorder();
        try (BackendPartition p = run("mmio", 16 << 20, r,
                0xA1, 0x00, 0x00, 0xB0, 0xFE,       // mov eax, [0xFEB00000]
                0x40,                               // inc eax
                0xA3, 0x08, 0x00, 0xB0, 0xFE,       // mov [0xFEB00008], eax
                0xFA, 0xF4, 0xEB, 0xFD)) {
            assertTrue(r.awaitEvent("mmio-write feb00008/4 11223345", 10), r.events + " " + r.failure);
            assertEquals("mmio-read feb00000/4", r.events.get(0));
        }
    }

    @Test
    void aRejectedMsrRaisesGeneralProtection() throws Exception {
        Recorder r = new Recorder();
        r.gpOnMsr = true;
        try (BackendPartition p = run("gp", 16 << 20, r,
                0xB9, 0x01, 0x00, 0x00, 0x40,       // mov ecx, 0x40000001
                0x0F, 0x32,                         // rdmsr -> #GP; no IDT -> triple fault
                0xFA, 0xF4)) {
            assertTrue(r.exited.await(10, TimeUnit.SECONDS), r.events.toString());
            assertNotNull(r.failure);
            assertTrue(r.failure.contains("triple fault"), r.failure);
        }
    }

    @Test
    void anInstructionKvmCannotEmulateEndsTheProcessorWithRipAndBytes() throws Exception {
        Recorder r = new Recorder();
        try (BackendPartition p = run("bad", 16 << 20, r,
                0x0F, 0x20, 0xE0,                   // mov eax, cr4
                0x0D, 0x00, 0x02, 0x00, 0x00,       // or eax, 0x200 (OSFXSR: SSE allowed)
                0x0F, 0x22, 0xE0,                   // mov cr4, eax
                0x66, 0x0F, 0xFE, 0x05, 0x00, 0x00, 0xB0, 0xFE, // paddd xmm0, [0xFEB00000]: MMIO, not emulated
                0xFA, 0xF4)) {
            assertTrue(r.exited.await(10, TimeUnit.SECONDS), r.events.toString());
            assertNotNull(r.failure, "the processor should have failed");
            assertTrue(r.failure.contains("emulation failure at RIP 0x100b"), r.failure);
            assertTrue(r.failure.contains("66 0f fe 05 00 00 b0 fe"), r.failure);
        }
    }

    @Test
    void closeStopsAHaltedGuestAndReleasesEverything() throws Exception {
        List<String> fdsBefore = kvmFds();
        Recorder r = new Recorder();
        BackendPartition p = run("halt", 32 << 20, r, 0x66, 0xBA, 0xF8, 0x03, 0xB0, '!', 0xEE, 0xFA, 0xF4, 0xEB, 0xFD);
        assertTrue(r.awaitEvent("out 3f8 21", 10));
        long ramHost = Long.parseLong(String.valueOf(hostAddressOfRam(p)));
        assertTrue(mapped(ramHost));
        assertFalse(threads("celadon-halt-vcpu").isEmpty());
        assertTrue(kvmFds().size() > fdsBefore.size());

        long t0 = System.nanoTime();
        p.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;

        assertTrue(ms < 5000, "close took " + ms + " ms");
        assertTrue(threads("celadon-halt-vcpu").isEmpty(), "vCPU thread left");
        assertEquals(fdsBefore, kvmFds(), "KVM descriptors left");
        assertFalse(mapped(ramHost), "guest RAM still mapped");
        assertThrows(HypervisorException.class, () -> p.memory().read(0, 4), "memory of a closed partition");
        p.close(); // idempotent
    }

    @Test
    void twoPartitionsAtOnceAndClosingOneLeavesTheOther() throws Exception {
        // loop: out 0x80+... to port 0x510 forever
        int[] loop = {0x66, 0xBA, 0x10, 0x05, 0xEE, 0xEB, 0xFD}; // mov dx,0x510; l: out dx,al; jmp l
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        BackendPartition pa = run("a", 16 << 20, a, loop);
        try (BackendPartition pb = run("b", 16 << 20, b, loop)) {
            assertTrue(a.awaitEvent("out 510 0", 10));
            assertTrue(b.awaitEvent("out 510 0", 10));
            pa.close();
            int before = b.events.size();
            Thread.sleep(200);
            assertTrue(b.events.size() > before, "the other partition keeps running");
            assertEquals(1, a.exited.getCount() == 0 ? 1 : 0);
        } finally {
            pa.close();
        }
    }

    @Test
    void closeStopsABusyGuest() throws Exception {
        Recorder a = new Recorder();
        BackendPartition pa = run("busy", 16 << 20, a, 0x66, 0xBA, 0x10, 0x05, 0xEE, 0xEB, 0xFD);
        assertTrue(a.awaitEvent("out 510 0", 10));
        pa.close();
        assertTrue(a.exited.await(5, TimeUnit.SECONDS));
        assertEquals(null, a.failure);
    }

    @Test
    void sixGibibytesCostOnlyWhatIsTouched() throws Exception {
        long rssBefore = rssKb();
        Recorder r = new Recorder();
        try (BackendPartition p = backend.createPartition(new PartitionConfig("big", 1, 6144L << 20), r)) {
            p.memory().writeU64(0x1BFFFF000L, 0xCAFEF00DL);
            assertEquals(0xCAFEF00DL, p.memory().readU64(0x1BFFFF000L));
            assertThrows(HypervisorException.class, () -> p.memory().readU64(0xC000_0000L), "the MMIO hole is not RAM");
            assertThrows(HypervisorException.class, () -> p.memory().readU64(0x1C0000000L), "beyond the top of RAM");
            assertTrue(rssKb() - rssBefore < 256 * 1024, "RSS grew by " + (rssKb() - rssBefore) + " kB");
        }
    }

    @Test
    void anInaccessibleDeviceIsAClearError() {
        KvmBackend none = new KvmBackend(Path.of("/nonexistent/kvm"));
        assertFalse(none.capabilities().available());
        HypervisorException e = assertThrows(HypervisorException.class,
                () -> none.createPartition(new PartitionConfig("x", 1, 16 << 20), new Recorder()));
        assertTrue(e.getMessage().contains("/nonexistent/kvm") && e.getMessage().contains("No such file"), e.getMessage());
    }

    // ---- what the process holds, seen from outside ----

    static Object hostAddressOfRam(BackendPartition p) {
        return com.sun.jna.Pointer.nativeValue(((KvmGuestMemory) p.memory()).host(0, 1));
    }

    static boolean mapped(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16)) {
                return true;
            }
        }
        return false;
    }

    static List<String> kvmFds() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String t = Files.readSymbolicLink(fd).toString();
                    if (t.contains("kvm-vm") || t.contains("kvm-vcpu")) {
                        out.add(fd.getFileName() + "->" + t);
                    }
                } catch (IOException ignored) {
                    // closed meanwhile
                }
            }
        }
        Collections.sort(out);
        return out;
    }

    static List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .map(Thread::getName).toList();
    }

    static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
