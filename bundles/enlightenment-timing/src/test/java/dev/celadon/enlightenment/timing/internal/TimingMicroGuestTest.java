package dev.celadon.enlightenment.timing.internal;

import dev.celadon.test.support.TestGrant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.api.enlightenment.ReferenceTsc;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * guest-micro's hvenl ({@code part=1}) on the real emulator through the real core, with the timing enlightenment
 * registered as DS would register it while the licence holds, then withdrawn: what the guest reads from CPUID, the
 * MSRs and the TSC page, checked against its own RDTSC.
 */
class TimingMicroGuestTest {

    static final long GHZ = 1_000_000_000L;
    static final int TIME_REF_COUNT = 1 << 1, REFERENCE_TSC = 1 << 9, FREQUENCY_MSRS = 1 << 11, TSC_INVARIANT = 1 << 15;

    private final PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
    private final TimingEnlightenment timing = new TimingEnlightenment(TestGrant.of("hv-timing", TimingEnlightenment.BSN));

    TimingMicroGuestTest() {
        pm.register("emulator", 50, new EmulatorBackend());
    }

    private Partition create(String name) {
        return pm.create(new PartitionConfig(name, 1, 32L << 20, "emulator"));
    }

    private static GuestConsole runToEnd(Partition p, String cmdline) throws InterruptedException {
        GuestConsole con = GuestConsole.boot(p, "hvenl", cmdline);
        con.await("hvenl done");
        // The guest then writes the FADT sleep register, which only management's ACPI device handles.
        assertEquals(PartitionState.RUNNING, p.state(), p.failureReason().orElse("") + "\n" + con.text());
        p.stop();
        return con;
    }

    @Test
    void withTheEnlightenmentTheGuestHasAReferenceCounterAndATscPageThatAgreeWithItsTsc() throws Exception {
        pm.register(timing);
        Partition p = create("timing-on");
        assertEquals(List.of("hv-timing"), new HyperVService().of(p).orElseThrow().enlightenments());
        GuestConsole con = runToEnd(p, "part=1");

        long features = con.field("features", "features", 16), misc = con.field("features", "misc", 16);
        assertEquals(TIME_REF_COUNT | REFERENCE_TSC | FREQUENCY_MSRS, features & (TIME_REF_COUNT | REFERENCE_TSC | FREQUENCY_MSRS));
        assertEquals(0, features & TSC_INVARIANT, "withdrawn, so Linux prefers the TSC page");
        assertEquals(0x64, features & 0x64, "the core's SynIC, hypercall and VP index bits stay");
        assertEquals(1 << 8, misc & (1 << 8), "frequency MSRs available");

        assertEquals("0", con.value("ref-count gp"));
        assertEquals("1", con.value("ref-count-write gp"), "the counter is read-only");
        assertEquals(Long.toString(GHZ), con.value("tsc-frequency"), "the emulator's TSC rate");
        assertEquals(Long.toString(GHZ), con.value("apic-frequency"), "the emulator's APIC timer input clock");
        assertEquals("1", con.value("tsc-frequency-write gp"));

        // The counter bracketed by RDTSC: ref(t0) <= r0 <= r1 <= ref(t1), and 2 ms passed on both clocks.
        ReferenceTsc ref = ReferenceTsc.forFrequency(GHZ);
        long t0 = con.field("counter", "t0", 10), r0 = con.field("counter", "r0", 10);
        long r1 = con.field("counter", "r1", 10), t1 = con.field("counter", "t1", 10);
        assertTrue(ref.referenceTime(t0) <= r0, "counter " + r0 + " behind the TSC's " + ref.referenceTime(t0));
        assertTrue(r0 + 20_000 <= r1, "the guest waited 2 ms of reference time");
        assertTrue(r1 <= ref.referenceTime(t1), "counter " + r1 + " ahead of the TSC's " + ref.referenceTime(t1));
        assertTrue(con.field("counter", "first", 10) <= r0, "monotonic");

        // The TSC page: MSR checks, then the page as the guest read it.
        assertEquals("0", con.value("reference-tsc-msr").split(" ")[0], "disabled at reset");
        assertEquals("1", con.value("reference-tsc-reserved gp"));
        assertEquals("1", con.value("reference-tsc-outside-ram gp"));
        assertEquals("0", con.value("reference-tsc-enable gp"));
        long page = con.field("reference-tsc-msr=", "page", 16);
        assertTrue(con.text().contains("reference-tsc-msr=" + Long.toHexString(page | 1) + " page="), con.text());
        assertEquals(1, con.field("tsc-page", "seq", 16));
        assertEquals(ref.scale(), con.field("tsc-page", "scale", 16));
        assertEquals(0, con.field("tsc-page", "offset", 16));
        long before = con.field("sample", "before", 10), tsc = con.field("sample", "tsc", 10);
        long pageTime = con.field("sample", "page", 10), after = con.field("sample", "after", 10);
        assertEquals(ref.referenceTime(tsc), pageTime, "the guest's page arithmetic on the host's bytes");
        assertTrue(before <= pageTime && pageTime <= after, before + " <= " + pageTime + " <= " + after);
        assertEquals("1", con.value("tsc-page-consistent"));
        assertEquals("1", con.value("page-advanced"));
    }

    @Test
    void withoutTheEnlightenmentANewGuestFallsBackButARunningOneKeepsWhatItWasCreatedWith() throws Exception {
        pm.register(timing);
        Partition kept = create("timing-kept"); // created while licensed
        pm.withdraw(timing, false);             // the licence goes; the bundle stays
        Partition fresh = create("timing-off");
        assertEquals(List.of(), new HyperVService().of(fresh).orElseThrow().enlightenments());

        GuestConsole off = runToEnd(fresh, "part=1");
        long features = off.field("features", "features", 16), misc = off.field("features", "misc", 16);
        assertEquals(0, features & (TIME_REF_COUNT | REFERENCE_TSC | FREQUENCY_MSRS), "no timing bits");
        assertEquals(TSC_INVARIANT, features & TSC_INVARIANT, "the profile's invariant TSC is back: Linux uses the TSC");
        assertEquals(0, misc & (1 << 8));
        assertEquals("1", off.value("ref-count gp"), "no counter MSR");

        GuestConsole on = runToEnd(kept, "part=1");
        assertEquals(REFERENCE_TSC, on.field("features", "features", 16) & REFERENCE_TSC, "its CPUID view stays");
        assertEquals("0", on.value("ref-count gp"));
        assertEquals("1", on.value("tsc-page-consistent"));
    }

    @Test
    void whenTheBundleStopsThePartitionsUsingItFailWithTheReasonAndOthersRunOn() throws Exception {
        pm.register(timing);
        Partition using = create("timing-user");
        pm.withdraw(timing, false);
        Partition other = create("timing-free");
        GuestConsole.boot(using, "spin", "");
        GuestConsole.boot(other, "spin", "");
        pm.register(timing);
        pm.withdraw(timing, true); // the bundle is stopping: its code must not outlive it
        assertEquals(PartitionState.FAILED, using.state());
        assertTrue(using.failureReason().orElse("").contains("hv-timing"), using.failureReason().orElse(""));
        assertEquals(PartitionState.RUNNING, other.state());
        other.stop();
        assertEquals(PartitionState.STOPPED, other.state());
    }
}
