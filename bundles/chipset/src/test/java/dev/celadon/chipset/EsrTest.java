package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** The error status register (SDM vol. 3 10.5.3) and the LVT error interrupt. */
class EsrTest {
    private final Cpu cpu = Cpu.bus(new ApicBus(new TestClock()), 1)[0].enable();

    @Test
    void illegalVectorsAreDroppedAndReportedAfterTheLatchingWrite() {
        cpu.apic.accept(0x03, false);
        cpu.apic.accept(0x0F, true);
        assertFalse(cpu.apic.hasDeliverable());
        assertFalse(cpu.irr(0x03));
        assertEquals(0, cpu.read(0x280), "nothing visible before the write");
        cpu.write(0x280, 0);
        assertEquals(1 << 6, cpu.read(0x280), "receive illegal vector");
        assertEquals(1 << 6, cpu.read(0x280), "reads do not clear it");
        assertEquals(0, cpu.esr(), "the next write latches the (now empty) state");
    }

    @Test
    void reservedRegistersSetIllegalRegisterAddress() {
        long before = cpu.apic.badAccesses();
        assertEquals(0, cpu.read(0x2F0), "no CMCI LVT with max LVT 5");
        cpu.write(0x040, 1);
        assertEquals(1 << 7, cpu.esr());
        assertEquals(before + 2, cpu.apic.badAccesses());
    }

    @Test
    void badSizesAreIgnoredAndCounted() {
        cpu.write(0x80, 0x20);
        cpu.apic.mmioWrite(0x80, 1, 0x90);
        cpu.apic.mmioWrite(0x84, 4, 0x90);
        assertEquals(0, cpu.apic.mmioRead(0x80, 8));
        assertEquals(0, cpu.apic.mmioRead(0x1000, 4));
        assertEquals(4, cpu.apic.badAccesses());
        assertEquals(0x20, cpu.read(0x80));
        assertEquals(0, cpu.esr(), "size errors are not register errors");
    }

    @Test
    void errorsRaiseTheLvtErrorInterrupt() {
        cpu.write(0x370, 0xFE);
        cpu.apic.accept(0x01, false);
        assertEquals(0xFE, cpu.apic.acknowledge());
        cpu.write(0xB0, 0);
        cpu.write(0x370, 0x10000 | 0xFE);
        cpu.write(0x280, 0);
        cpu.apic.accept(0x01, false);
        assertFalse(cpu.apic.hasDeliverable(), "masked");
        cpu.write(0x370, 0x05); // an illegal error vector reports itself once, without looping
        cpu.write(0x280, 0);
        cpu.apic.accept(0x02, false);
        assertFalse(cpu.apic.hasDeliverable());
        assertEquals(1 << 6, cpu.esr());
    }
}
