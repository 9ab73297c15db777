package dev.celadon.guest.windows.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.guest.GuestProfile;
import org.junit.jupiter.api.Test;

/** Each word of the Windows profile as the README documents it against the TLFS, as literals. */
class WindowsGuestPackTest {

    @Test
    void eachWordIsTheDocumentedTlfsValue() {
        GuestProfile p = new WindowsGuestPack().profile();
        assertEquals("windows", new WindowsGuestPack().name());
        // 0x40000003.EAX: bits 0 VP runtime, 1 reference counter, 2 SynIC, 3 synthetic timers, 4 APIC access MSRs,
        // 5 hypercall MSRs, 6 VP index, 7 reset, 9 reference TSC, 11 frequency MSRs.
        assertEquals(0b1010_1111_1111, p.features());
        assertEquals(0xAFF, p.features());
        // 0x40000003.EBX: bits 4 PostMessages, 5 SignalEvents; never root/isolation.
        assertEquals(0x30, p.privileges());
        assertEquals(0, p.privileges() & GuestProfile.FORBIDDEN_PRIVILEGES);
        assertEquals(0, p.miscFeatures());
        // 0x40000004.EAX: bits 1 local flush, 2 remote flush, 3 APIC MSRs, 4 reset MSR, 5 relaxed timing,
        // 9 deprecating auto-EOI, 10 synthetic cluster IPI.
        assertEquals(0x63E, p.recommendations());
        assertTrue((p.recommendations() & 1 << 5) != 0, "relaxed timing");
        assertTrue((p.recommendations() & 1 << 3) != 0, "APIC access MSRs");
        // 0x40000004.EBX: Hyper-V's retry count; the guest notifies long spin waits.
        assertEquals(0xFFF, p.spinlockRetries());
        assertTrue(p.notifiesSpinWaits());
    }

    @Test
    void theWindowsProfileDiffersFromLinuxWhereDocumented() {
        GuestProfile w = new WindowsGuestPack().profile();
        // Linux's words: 0x8064, 0x30, 0, 0x200, 0xFFFFFFFF (LinuxGuestPackTest).
        assertEquals(0, w.features() & 1 << 15, "Windows is not given AccessTscInvariantControls");
        assertEquals(0x200, w.recommendations() & 0x200, "both: deprecating auto-EOI");
    }
}
