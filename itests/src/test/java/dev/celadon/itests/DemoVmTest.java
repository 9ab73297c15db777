package dev.celadon.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What ./run.sh gives an operator: the distribution started with {@code celadon.demo=true} creates and boots the
 * VM "demo" by itself. Without /dev/kvm that is Debian's cloud kernel on the emulator, and the shell reaches its
 * busybox shell through vm:send and vm:log. That guest then shows the licence-gated enlightenments from the inside
 * (issue 7): its clocks with and without the timing licence, and a panic reported with its own text.
 */
class DemoVmTest {

    static KarafDistribution karaf;

    @BeforeAll
    static void start() throws Exception {
        karaf = KarafDistribution.copyOfBuild().javaOptions("-Dceladon.demo=true");
        karaf.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (karaf != null) {
            karaf.close();
            assertTrue(karaf.karafPids().isEmpty(), "a Karaf JVM was left running");
        }
    }

    @Test
    void theDemoVmBootsDebiansKernelAndAnswersOnItsConsole() throws Exception {
        karaf.awaitOutput("vm:list", "demo", 60);
        String info = karaf.execute("vm:info demo").toLowerCase(Locale.ROOT);
        boolean kvm = Files.exists(Path.of("/dev/kvm"));
        if (!kvm) {
            assertTrue(info.contains("emulator"), "without /dev/kvm the demo VM runs on the emulator:\n" + info);
        }
        if (info.contains("software-nested")) {
            // kvm_pvm: the demo is the micro-guest there (Linux gets no further than early boot).
            karaf.awaitOutput("vm:log demo", "CELADON-DEMO", 120);
            return;
        }
        long t0 = System.nanoTime();
        karaf.awaitOutput("vm:log demo", "CELADON-GUEST-READY cpus=2", 300);
        System.out.printf("itest: demo VM (Debian's kernel, 2 vCPUs) READY after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        String log = karaf.execute("vm:log demo");
        assertTrue(log.contains("Linux version 6.1"), log);
        karaf.execute("vm:send demo cat /proc/cpuinfo");
        String cpuinfo = karaf.awaitOutput("vm:log demo", "address sizes", 120);
        if (!kvm) {
            assertTrue(cpuinfo.contains("Celadon x86-64 emulator"), cpuinfo);
        }

        // Issue 7, seen from the guest: with hv-timing and hv-stimer licensed (the build's licences), Linux takes
        // the Hyper-V TSC page as its clocksource and the synthetic timer as its clockevent device.
        if (!kvm) {
            String partition = karaf.execute("hv:partition demo");
            assertTrue(partition.matches("(?s).*Guest OS id\\s+0x[0-9a-f]{16} Linux 6\\.1\\.\\d+.*"), partition);
            String enlightened = guestOutput("demo", CLOCKS, "clocks-end-1");
            assertTrue(enlightened.contains("current_clocksource=hyperv_clocksource_tsc_page"), enlightened);
            assertTrue(enlightened.contains("clockevent0=Hyper-V clockevent"), enlightened);

            // Without the timing licence (stimer requires timing) a VM started afterwards falls back: the TSC,
            // the local APIC timer. The running demo VM keeps what it booted with.
            Path saved = Files.createTempDirectory("celadon-itest-lic").resolve("timing.licence");
            Files.copy(karaf.home().resolve("data/celadon/licences/celadon-dev-hv-timing.licence"), saved);
            karaf.execute("license:remove celadon-dev-hv-timing");
            try {
                karaf.awaitOutput("hv:enlightenments hv-timing", "waiting for a licence", 30);
                karaf.execute("vm:create plain --cpus 1 --memory 256 --image linux");
                karaf.execute("vm:start plain");
                karaf.awaitOutput("vm:log plain", "CELADON-GUEST-READY cpus=1", 300);
                String plain = guestOutput("plain", CLOCKS, "clocks-end-1");
                assertTrue(plain.contains("current_clocksource=tsc"), plain);
                assertTrue(plain.matches("(?s).*clockevent0=lapic(-deadline)?\\r?\\n.*"), plain);
                assertTrue(!karaf.execute("hv:partition plain").contains("hv-timing"));

                // A guest panic is reported with the guest's own text (hv-crash, through hv_vmbus's kmsg dumper);
                // the VM is failed with it and the demo VM is untouched.
                karaf.execute("vm:send plain 'echo c > /proc/sysrq-trigger'");
                String failed = karaf.awaitOutput("vm:info plain", "failed", 120);
                assertTrue(failed.contains("guest crashed") && failed.contains("sysrq triggered crash"), failed);
                System.out.println("itest: licensed guest: " + lineWith(enlightened, "current_clocksource=") + ", "
                        + lineWith(enlightened, "clockevent0=") + "; without hv-timing: "
                        + lineWith(plain, "current_clocksource=") + ", " + lineWith(plain, "clockevent0=")
                        + "; the panicking VM: " + lineWith(failed, "guest crashed"));
                String still = guestOutput("demo", "echo alive-$((40+2))", "alive-42");
                assertTrue(still.contains("alive-42"), still);
            } finally {
                karaf.execute("license:install " + saved);
            }
        }

        String stopped = karaf.execute("vm:stop demo");
        assertTrue(stopped.contains("stopped"), stopped);
    }

    static String lineWith(String text, String start) {
        return text.lines().filter(l -> l.contains(start) && !l.contains("$(")).reduce((a, b) -> b).orElse("?").strip();
    }

    /** What the guest says about its clocks, as name=value lines. */
    static final String CLOCKS = "cd /sys/devices/system; echo current_clocksource=$(cat "
            + "clocksource/clocksource0/current_clocksource); echo clockevent0=$(cat "
            + "clockevents/clockevent0/current_device); echo clocks-end-$((0+1)); cd /";

    /**
     * Types a command line on a VM's console and returns its log once {@code marker} appears in it. The line is
     * single-quoted for Karaf's shell, which would otherwise expand $ and split at ; and >.
     */
    static String guestOutput(String vm, String command, String marker) throws Exception {
        karaf.execute("vm:send " + vm + " '" + command + "'");
        return karaf.awaitOutput("vm:log " + vm, marker, 120);
    }
}
