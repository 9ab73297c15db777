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
 * busybox shell through vm:send and vm:log.
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
        String stopped = karaf.execute("vm:stop demo");
        assertTrue(stopped.contains("stopped"), stopped);
    }
}
