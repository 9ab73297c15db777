package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static dev.celadon.management.internal.Host.console;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's stock cloud kernel and the guest kit's initramfs (busybox), unmodified, on every backend that runs
 * guest code here: the emulator on this machine, KVM where /dev/kvm exists. Everything is checked from outside:
 * the guest's serial console and kernel log, what its user space computes against the host's own result.
 */
class LinuxBootTest {

    /** Kernel log lines that mean something went wrong in the guest, whatever else it printed. */
    static final List<String> BAD = List.of("Oops", "WARNING:", "unchecked MSR access", "soft lockup",
            "BUG:", "Kernel panic", "Call Trace", "general protection fault", "invalid opcode", "segfault",
            "hung_task", "rcu_sched self-detected stall", "rcu: INFO");

    @TempDir
    Path dir;
    VmManagerImpl manager;
    PartitionManagerImpl partitions;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    void setUp(String backend) {
        Host.requireBackend(backend);
        Assumptions.assumeFalse(backend.equals("kvm") && Files.exists(Path.of("/sys/module/kvm_pvm")),
                "skipped: this host's KVM is software-nested (kvm_pvm): the stock kernel runs through KVM's "
                        + "instruction emulator there and does not boot in test time; the emulator backend covers it");
        partitions = Host.partitions();
        manager = Host.manager(dir, partitions);
    }

    VmDefinition linux(String name, int cpus, long mib, String backend) {
        return new VmDefinition(name, cpus, mib, VmDefinition.IMAGE_LINUX, null, null, null, backend);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void oneVcpuBootsToReadyAndItsUserSpaceComputesWhatTheHostDoes(String backend) throws Exception {
        setUp(backend);
        manager.create(linux("deb1", 1, 256, backend));
        long t0 = System.nanoTime();
        manager.start("deb1");
        awaitConsole(manager, "deb1", "CELADON-GUEST-READY cpus=1 mem_kb=", 300);
        System.out.printf("LinuxBootTest[%s]: 1 vCPU, 256 MiB: READY after %.1f s%n", backend,
                (System.nanoTime() - t0) / 1e9);
        awaitPrompt("deb1");
        String log = console(manager, "deb1");
        assertTrue(log.contains("Linux version 6.1"), log);
        assertTrue(log.contains("Hypervisor detected: Microsoft Hyper-V"), log);
        assertTrue(log.contains("Hyper-V: privilege flags low 0x"), "the features/hints line\n" + log);
        assertCleanKernelLog(log);

        // /proc/cpuinfo: the documented model (bundles/emulator/README.md "The CPU model").
        String cpuinfo = run("deb1", "cat /proc/cpuinfo", 60);
        assertEquals(1, count(cpuinfo, "(?m)^processor\\s*:"), cpuinfo);
        if (backend.equals("emulator")) {
            assertTrue(cpuinfo.contains("vendor_id\t: CeladonEmu64"), cpuinfo);
            assertTrue(cpuinfo.contains("model name\t: Celadon x86-64 emulator"), cpuinfo);
            String flags = line(cpuinfo, "flags");
            for (String f : List.of("fpu", "tsc", "msr", "pae", "cx8", "apic", "sep", "pge", "cmov", "pat", "clflush",
                    "fxsr", "sse", "sse2", "syscall", "nx", "pdpe1gb", "rdtscp", "lm", "x2apic", "hypervisor",
                    "lahf_lm", "arat")) {
                assertTrue((" " + flags + " ").contains(" " + f + " "), "flag " + f + " missing: " + flags);
            }
            for (String f : List.of("pni", "ssse3", "sse4_1", "sse4_2", "avx", "xsave", "mmx", "rdrand", "cx16")) {
                assertFalse((" " + flags + " ").contains(" " + f + " "), "flag " + f + " not implemented: " + flags);
            }
        }

        // A file generated in the guest from a fixed seed (MINSTD in awk: doubles, exact below 2^53, so x87/SSE
        // arithmetic in user space is in the loop), hashed by the guest and by the host.
        int lines = 300_000; // 2.7 MB (2.6 MiB): "a file of a few MiB"
        long seed = 20261202;
        long g0 = System.nanoTime();
        run("deb1", "awk 'BEGIN{x=" + seed + "; for(i=0;i<" + lines
                + ";i++){x=(x*48271)%2147483647; printf \"%08x\\n\", x}}' > /tmp/f; ls -l /tmp/f", 300);
        String sums = run("deb1", "sha256sum /tmp/f; md5sum /tmp/f", 120);
        byte[] expected = minstd(seed, lines);
        assertEquals(hex("SHA-256", expected), find(sums, "(?m)^([0-9a-f]{64})  /tmp/f"), sums);
        assertEquals(hex("MD5", expected), find(sums, "(?m)^([0-9a-f]{32})  /tmp/f"), sums);
        System.out.printf("LinuxBootTest[%s]: %d bytes generated and hashed in the guest in %.1f s: sha256 and md5 "
                + "match the host's%n", backend, expected.length, (System.nanoTime() - g0) / 1e9);

        manager.console("deb1").type("poweroff\n".getBytes(StandardCharsets.US_ASCII));
        awaitState("deb1", VmState.STOPPED, 60);
        assertEquals(null, manager.info("deb1").failureReason());
        assertTrue(Host.threadsNamed("celadon-deb1-").isEmpty(), "threads left: " + Host.threadsNamed("celadon-deb1-"));
        assertCleanKernelLog(console(manager, "deb1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void fourVcpusBootSurviveSmpStressAndStopReleasesEverything(String backend) throws Exception {
        setUp(backend);
        manager.create(linux("deb4", 4, 512, backend));
        long t0 = System.nanoTime();
        // This guest runs on the emulator's second tier (the first test on the default, the interpreter), so the
        // real kernel, SMP and its code patching are checked on both. The tier is read when the vCPUs are made.
        String tier = System.setProperty(dev.celadon.emulator.cpu.Tier.PROPERTY, "translator");
        try {
            manager.start("deb4");
        } finally {
            if (tier == null) {
                System.clearProperty(dev.celadon.emulator.cpu.Tier.PROPERTY);
            } else {
                System.setProperty(dev.celadon.emulator.cpu.Tier.PROPERTY, tier);
            }
        }
        awaitConsole(manager, "deb4", "CELADON-GUEST-READY cpus=4 mem_kb=", 600);
        System.out.printf("LinuxBootTest[%s]: 4 vCPUs, 512 MiB (emulator tier: translator): READY after %.1f s%n",
                backend, (System.nanoTime() - t0) / 1e9);
        awaitPrompt("deb4");
        String log = console(manager, "deb4");
        assertTrue(log.contains("smp: Brought up 1 node, 4 CPUs"), log);
        assertCleanKernelLog(log);

        // Four busy loops at once, one pinned to each CPU, each checking its own arithmetic.
        String out = run("deb4", "for c in 0 1 2 3; do taskset -c $c sh -c 'i=0; s=0; while [ $i -lt 3000 ]; "
                + "do i=$((i+1)); s=$((s+i)); done; echo loop-$1-sum-$s' x $c & done; wait", 600);
        for (int c = 0; c < 4; c++) {
            assertTrue(out.contains("loop-" + c + "-sum-4501500"), out);
        }
        String cpus = run("deb4", "grep -c ^processor /proc/cpuinfo; nproc", 60);
        assertTrue(cpus.contains("4\n4") || cpus.contains("4\r\n4"), cpus);

        // Busy again on every CPU, then vm:stop in the middle of it: everything the run held goes.
        manager.console("deb4").type(("for c in 0 1 2 3; do taskset -c $c sh -c 'while :; do :; done' & done; "
                + "echo spin-$((1+1))\n").getBytes(StandardCharsets.US_ASCII));
        awaitConsole(manager, "deb4", "spin-2", 60);
        Partition p = partitions.partitions().stream().filter(x -> x.name().equals("deb4")).findFirst().orElseThrow();
        long ramStart = Host.hostAddressOfRam(p);
        assertEquals(4, Host.threadsNamed("celadon-deb4-vcpu").size(), Host.threadsNamed("celadon-").toString());
        Thread.sleep(2000);
        manager.stop("deb4");
        assertEquals(VmState.STOPPED, manager.info("deb4").state());
        assertTrue(Host.threadsNamed("celadon-deb4-").isEmpty(), "threads left: " + Host.threadsNamed("celadon-deb4-"));
        assertFalse(Host.mapped(ramStart, ramStart + (512L << 20)), "guest RAM still mapped");
        assertTrue(partitions.partitions().isEmpty(), "partitions left: " + partitions.partitions());
        assertCleanKernelLog(console(manager, "deb4"));
    }

    static void assertCleanKernelLog(String log) {
        for (String bad : BAD) {
            assertFalse(log.contains(bad), "the kernel log shows '" + bad + "':\n" + log);
        }
    }

    /** Waits for the shell's prompt after READY (the shell starts after the READY line is printed). */
    void awaitPrompt(String vm) throws InterruptedException {
        run(vm, "true", 120);
    }

    String run(String vm, String command, long seconds) throws InterruptedException {
        return GuestShell.run(manager, vm, command, seconds);
    }


    void awaitState(String vm, VmState state, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (manager.info(vm).state() != state && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(state, manager.info(vm).state(), manager.info(vm) + "\n" + console(manager, vm));
    }

    /** What the guest's awk writes: MINSTD (x = x * 48271 mod 2^31-1) as 8 hex digits and a newline per value. */
    static byte[] minstd(long seed, int lines) {
        StringBuilder s = new StringBuilder(lines * 9);
        long x = seed;
        for (int i = 0; i < lines; i++) {
            x = (x * 48271) % 2147483647L;
            s.append(String.format("%08x", x)).append('\n');
        }
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static String hex(String algorithm, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    }

    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no " + regex + " in:\n" + text);
        return m.group(1);
    }

    static String line(String text, String key) {
        return find(text, "(?m)^" + key + "\\s*: (.*)$");
    }

    static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
