package dev.celadon.guest.linux.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.celadon.hypervisor.api.guest.GuestProfile;
import org.junit.jupiter.api.Test;

/** The Linux pack's words, as literals: the profile the core advertised before guest packs, bit for bit. */
class LinuxGuestPackTest {

    @Test
    void theLinuxProfileIsTheOldProfileBitForBit() {
        GuestProfile p = new LinuxGuestPack().profile();
        assertEquals("linux", new LinuxGuestPack().name());
        assertEquals(0x8064, p.features(), "0x40000003.EAX: SynIC, hypercall MSRs, VP index, TSC invariant control");
        assertEquals(0x30, p.privileges(), "0x40000003.EBX: PostMessages, SignalEvents");
        assertEquals(0, p.miscFeatures(), "0x40000003.EDX");
        assertEquals(0x200, p.recommendations(), "0x40000004.EAX: deprecating auto-EOI only");
        assertEquals(0xFFFF_FFFF, p.spinlockRetries(), "0x40000004.EBX: never notify");
        assertFalse(p.notifiesSpinWaits());
        // The bits that must stay clear for Linux 6.1: root/isolation privileges and the APIC-MSR hint.
        assertEquals(0, p.privileges() & (1 << 1 | 1 << 12 | 1 << 22));
        assertEquals(0, p.recommendations() & (1 << 3), "bit 3 would move Linux's xAPIC accessors to MSRs");
    }
}
