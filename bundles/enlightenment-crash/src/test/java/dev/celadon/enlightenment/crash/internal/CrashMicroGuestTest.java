package dev.celadon.enlightenment.crash.internal;

import dev.celadon.test.support.TestGrant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * guest-micro's hvenl ({@code part=3}) on the real emulator through the real core with the crash enlightenment:
 * a guest that reports a panic ends FAILED with its own text, and another partition runs on.
 */
class CrashMicroGuestTest {

    private final PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
    private final CrashEnlightenment crash = new CrashEnlightenment(TestGrant.of("hv-crash", CrashEnlightenment.BSN));

    CrashMicroGuestTest() {
        pm.register("emulator", 50, new EmulatorBackend());
    }

    private Partition create(String name) {
        return pm.create(new PartitionConfig(name, 1, 32L << 20, "emulator"));
    }

    /** Runs hvenl part=3 with {@code how} until the partition fails; returns its failure reason. */
    private String crashWith(String name, int how) throws InterruptedException {
        Partition p = create(name);
        GuestConsole con = GuestConsole.boot(p, "hvenl", "part=3 crash=" + how);
        assertTrue(p.awaitTermination(Duration.ofSeconds(60)), "still " + p.state() + ":\n" + con.text());
        assertEquals(PartitionState.FAILED, p.state(), con.text());
        assertEquals("0 value=c000000000000000", con.value("crash-ctl gp"), "CRASH_NOTIFY and CRASH_NOTIFY_MSG offered");
        assertEquals("1", con.value("crash-ctl-reserved gp"));
        assertEquals("1111", con.value("crash-p0"), "P0 reads back");
        assertTrue(con.text().contains("crashing\n"));
        return p.failureReason().orElseThrow();
    }

    @Test
    void aPanicWithItsMessageFailsThePartitionWithTheGuestsTextAndOtherPartitionsRunOn() throws Exception {
        pm.register(crash);
        Partition other = create("bystander");
        GuestConsole.boot(other, "spin", "");
        String reason = crashWith("crasher", 1);
        assertTrue(reason.startsWith("guest crashed: Kernel panic - not syncing: hvenl crash test (crash MSRs P0=0x1111 "
                + "P1=0x2222 P2=0x3333 P3=0x"), reason);
        assertTrue(reason.contains("--- guest panic log ---\nKernel panic - not syncing: hvenl crash test\n"
                + "CPU: 0 PID: 1 Comm: hvenl"), reason);
        assertFalse(reason.contains("\u001b"), "the guest's escape byte never reaches a console");
        assertTrue(reason.contains("Comm: hvenl\n?"), "it is shown as '?': " + reason);
        assertEquals(PartitionState.RUNNING, other.state(), "the other partition is untouched");
        other.stop();
        assertEquals(PartitionState.STOPPED, other.state());
    }

    @Test
    void aBadMessageLengthOrNoMessageStillReportsTheCrashWithTheParameters() throws Exception {
        pm.register(crash);
        String bad = crashWith("bad-length", 2);
        assertTrue(bad.endsWith("P4=0x100000); its panic message was refused: length 1048576 outside 1..4096 bytes"), bad);
        String plain = crashWith("registers-only", 3);
        assertEquals("guest crashed (crash MSRs P0=0x1111 P1=0x2222 P2=0x3333 P3=0x4444 P4=0x5555); no panic message",
                plain);
    }

    @Test
    void withoutTheLicenceTheGuestHasNoCrashMsrs() throws Exception {
        Partition p = create("no-crash");
        GuestConsole con = GuestConsole.boot(p, "hvenl", "part=3 crash=1");
        con.await("hvenl done");
        assertEquals(0, con.field("features", "misc", 16) & (1 << 10));
        // After the #GP, RDMSR's EDX:EAX hold whatever they held: only the fault counts.
        assertTrue(con.value("crash-ctl gp").startsWith("1 "), con.value("crash-ctl gp"));
        assertEquals(PartitionState.RUNNING, p.state());
        p.stop();
        assertEquals(PartitionState.STOPPED, p.state());
    }
}
