package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** MSI address/data decode (SDM vol. 3 10.11, figures 10-24 and 10-25) and delivery. */
class MsiTest {

    @Test
    void decodesEveryField() {
        // 0xFEE0300C: destination 0x03 (bits 19:12), RH (bit 3), logical (bit 2).
        // 0xC141: vector 0x41, delivery mode 001 (bits 10:8), assert (bit 14), level (bit 15).
        MsiMessage m = MsiMessage.decode(0xFEE0_300CL, 0xC141);
        assertEquals(0x03, m.destinationId());
        assertTrue(m.redirectionHint());
        assertTrue(m.logical());
        assertEquals(0x41, m.vector());
        assertEquals(DeliveryMode.LOWEST_PRIORITY, m.mode());
        assertTrue(m.assertLevel());
        assertTrue(m.levelTriggered());
        assertEquals(0xFEE0_300CL, m.address());
        assertEquals(0xC141, m.data());

        MsiMessage plain = MsiMessage.decode(0xFEEA_B000L, 0x0030);
        assertEquals(0xAB, plain.destinationId());
        assertFalse(plain.redirectionHint() || plain.logical() || plain.levelTriggered());
        assertEquals(DeliveryMode.FIXED, plain.mode());
        assertEquals(DeliveryMode.NMI, MsiMessage.decode(0xFEE0_0000L, 0x0400).mode());
    }

    @Test
    void rejectsAddressesOutsideTheInterruptRange() {
        assertThrows(IllegalArgumentException.class, () -> MsiMessage.decode(0xFED0_0000L, 0x30));
        assertThrows(IllegalArgumentException.class, () -> MsiMessage.decode(0x1_FEE0_0000L, 0x30));
        assertThrows(IllegalArgumentException.class, () -> MsiMessage.decode(0xFEE0_0000L, 0x330), "mode 011");
        assertThrows(IllegalArgumentException.class, () -> MsiMessage.decode(0xFEE0_0000L, 0x630), "STARTUP");
    }

    @Test
    void deliversToTheAddressedApic() {
        ApicBus bus = new ApicBus(new TestClock());
        Cpu[] cpus = Cpu.bus(bus, 3);
        for (Cpu c : cpus) {
            c.enable();
        }
        bus.deliverMsi(0xFEE0_2000L, 0x0061);
        assertTrue(cpus[2].irr(0x61));
        assertFalse(cpus[0].irr(0x61) || cpus[1].irr(0x61));
        assertEquals(1, cpus[2].wakes.get());

        bus.deliverMsi(0xFEE0_1000L, 0x0400);
        assertEquals(1, cpus[1].nmis.get());

        cpus[0].apic.writeMsr(0x1B, 0xFEE0_0000L | 1 << 11 | 1 << 10); // x2APIC mode, ID 0 still addressable
        bus.deliverMsi(0xFEE0_0000L, 0x0062);
        assertTrue(cpus[0].apic.hasDeliverable());
        assertEquals(0x62, cpus[0].apic.acknowledge());

        bus.deliverMsi(0xFEE0_1000L, 0x0063 | 1 << 15); // level de-assert message
        assertFalse(cpus[1].irr(0x63));

        bus.deliverMsi(0xFED0_0000L, 0x0064);
        assertEquals(1, bus.invalidMessages(), "counted, not thrown at the device");
    }

    @Test
    void redirectionHintPicksOneProcessor() {
        ApicBus bus = new ApicBus(new TestClock());
        Cpu[] cpus = Cpu.bus(bus, 3);
        for (int i = 0; i < 3; i++) {
            cpus[i].enable();
            cpus[i].write(0xD0, 1 << (24 + i));
        }
        cpus[0].write(0x80, 0x40);
        cpus[2].write(0x80, 0x40);
        bus.deliverMsi(0xFEE0_7000L | 1 << 3 | 1 << 2, 0x0071);
        assertTrue(cpus[1].irr(0x71), "the lowest-priority processor of the logical set");
        assertFalse(cpus[0].irr(0x71) || cpus[2].irr(0x71));
        bus.deliverMsi(0xFEE0_7000L | 1 << 2, 0x0072);
        for (Cpu c : cpus) {
            assertTrue(c.irr(0x72), "without RH, a fixed logical MSI reaches the whole set");
        }
    }
}
