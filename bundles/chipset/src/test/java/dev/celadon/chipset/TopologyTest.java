package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The MADT description is taken from the chipset objects themselves. */
class TopologyTest {

    @Test
    void describesTheBusAndIoApic() {
        ApicBus bus = new ApicBus(new TestClock());
        for (int id : new int[] {0, 1, 4}) {
            bus.addProcessor(id, new Cpu());
        }
        IoApic io = new IoApic(bus, 3, IoApic.DEFAULT_ADDRESS, 0);
        InterruptTopology t = InterruptTopology.of(bus, io);
        assertEquals(0xFEE0_0000L, t.localApicAddress());
        assertEquals(List.of(0, 1, 4), t.apicIds());
        assertEquals(3, t.ioApicId());
        assertEquals(0xFEC0_0000L, t.ioApicAddress());
        assertEquals(0, t.gsiBase());
        assertEquals(24, t.ioApicPins());
        assertEquals(2, t.gsiForIsaIrq(0), "the timer's IRQ 0 is on GSI 2");
        assertEquals(4, t.gsiForIsaIrq(4));
        assertEquals(1, t.overrides().size());
        assertFalse(t.needsX2apicEntries());
    }

    @Test
    void apicIdsMustBeUnique() {
        ApicBus bus = new ApicBus(new TestClock());
        bus.addProcessor(5, new Cpu());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> bus.addProcessor(5, new Cpu()));
    }
}
