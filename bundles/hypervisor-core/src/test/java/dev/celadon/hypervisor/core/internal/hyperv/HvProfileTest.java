package dev.celadon.hypervisor.core.internal.hyperv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.windows.internal.WindowsGuestPack;
import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;
import org.junit.jupiter.api.Test;

/** What the core grants of each pack's request, per backend capability and with enlightenment bits. */
class HvProfileTest {

    static final HvProfile.Capabilities EMULATOR = new HvProfile.Capabilities(true, true);
    static final HvProfile.Capabilities KVM = new HvProfile.Capabilities(false, true);
    /** The timing enlightenment's bits: reference counter, TSC page, frequency MSRs; withdraws TSC invariant control. */
    static final HvCpuidBits TIMING = new HvCpuidBits(1 << 1 | 1 << 9 | 1 << 11, 0, 1 << 8, 0, 1 << 15);

    @Test
    void theLinuxPackIsGrantedTheOldProfileBitForBitOnEveryBackend() {
        for (HvProfile.Capabilities caps : new HvProfile.Capabilities[] {EMULATOR, KVM, HvProfile.Capabilities.NONE}) {
            HvProfile p = HvProfile.grant(new LinuxGuestPack().profile(), HvCpuidBits.NONE, caps);
            assertEquals(0x8064, p.features());
            assertEquals(0x30, p.privileges());
            assertEquals(0, p.miscFeatures());
            assertEquals(0x200, p.recommendations());
            assertEquals(0xFFFF_FFFF, p.spinlockRetries());
            assertEquals(1, p.buildNumber());
            assertEquals(1, p.version());
            assertEquals("", p.describeMasked());
        }
        // With timing, as before packs: its bits added, AccessTscInvariantControls withdrawn.
        HvProfile t = HvProfile.grant(new LinuxGuestPack().profile(), TIMING, EMULATOR);
        assertEquals(0x8064 & ~(1 << 15) | 0xA02, t.features());
        assertEquals(1 << 8, t.miscFeatures());
    }

    @Test
    void theWindowsPackGetsOnlyWhatIsImplemented() {
        HvProfile emu = HvProfile.grant(new WindowsGuestPack().profile(), HvCpuidBits.NONE, EMULATOR);
        assertEquals(0x74, emu.features());
        assertEquals(0x228, emu.recommendations());
        assertEquals(0xFFF, emu.spinlockRetries());
        assertEquals("0x40000003.EAX 0xa8b 0x40000004.EAX 0x416", emu.describeMasked());
        // KVM: its in-kernel LAPIC is out of the core's reach, so neither the MSRs nor the hint.
        HvProfile kvm = HvProfile.grant(new WindowsGuestPack().profile(), HvCpuidBits.NONE, KVM);
        assertEquals(0x64, kvm.features());
        assertEquals(0x220, kvm.recommendations());
        assertEquals("0x40000003.EAX 0xa9b 0x40000004.EAX 0x41e", kvm.describeMasked());
        // With the timing enlightenment, the timing MSRs the pack asked for are granted.
        HvProfile timed = HvProfile.grant(new WindowsGuestPack().profile(), TIMING, EMULATOR);
        assertEquals(0x74 | 0xA02, timed.features());
        assertEquals("0x40000003.EAX 0x89 0x40000004.EAX 0x416", timed.describeMasked());
    }
}
