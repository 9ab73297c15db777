package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The IOAPIC through IOREGSEL/IOWIN, its pins driven as devices drive them, ending at the local APICs. */
class IoApicTest {
    private static final int MASKED = 1 << 16, LEVEL = 1 << 15, REMOTE_IRR = 1 << 14, ACTIVE_LOW = 1 << 13;

    private Cpu[] cpus;
    private IoApic io;

    @BeforeEach
    void setUp() {
        ApicBus bus = new ApicBus(new TestClock());
        cpus = Cpu.bus(bus, 2);
        cpus[0].enable();
        cpus[1].enable();
        io = new IoApic(bus, 2, 0xFEC0_0000L, 0);
    }

    private int readReg(int index) {
        io.mmioWrite(0x00, 4, index);
        return (int) io.mmioRead(0x10, 4);
    }

    private void writeReg(int index, int value) {
        io.mmioWrite(0x00, 4, index);
        io.mmioWrite(0x10, 4, Integer.toUnsignedLong(value));
    }

    private void program(int pin, int low, int destination) {
        writeReg(0x11 + 2 * pin, destination << 24);
        writeReg(0x10 + 2 * pin, low);
    }

    /** INTA + EOI on {@code cpu}; returns the vector or -1. */
    private static int take(Cpu cpu) {
        int v = cpu.apic.acknowledge();
        if (v >= 0) {
            cpu.write(0xB0, 0);
        }
        return v;
    }

    @Test
    void identificationRegisters() {
        assertEquals(2 << 24, readReg(0x00));
        assertEquals(0x0017_0020, readReg(0x01), "version 0x20, max redirection entry 23");
        assertEquals(2 << 24, readReg(0x02), "arbitration ID");
        writeReg(0x00, 0x0A << 24);
        assertEquals(0x0A << 24, readReg(0x00));
        assertEquals(0x0A, io.id());
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(MASKED, readReg(0x10 + 2 * pin), "pin " + pin + " masked at reset");
            assertEquals(0, readReg(0x11 + 2 * pin));
        }
        io.mmioWrite(0x00, 4, 0x3E);
        assertEquals(0x3E, io.mmioRead(0x00, 4), "IOREGSEL reads back");
    }

    @Test
    void redirectionEntryRoundTrip() {
        program(9, 0x1_A9F1 & ~(1 << 12) & ~(1 << 14), 0xAB); // every writable bit of the low half but mask
        assertEquals(0xA9F1 & ~(1 << 12) & ~(1 << 14) | MASKED, readReg(0x10 + 18));
        assertEquals(0xAB << 24, readReg(0x11 + 18));
        writeReg(0x10 + 18, 0xFFFF_FFFF);
        assertEquals(0x1_AFFF, readReg(0x10 + 18), "delivery status and remote IRR are read-only");
    }

    @Test
    void edgePinDeliversOnTheRisingEdgeOnly() {
        program(4, 0x34, 1);
        InterruptLine com1 = io.line(4);
        com1.assertLine();
        assertTrue(cpus[1].irr(0x34));
        assertFalse(cpus[1].tmr(0x34), "edge: TMR clear");
        assertFalse(cpus[0].irr(0x34), "physical destination 1 only");
        assertEquals(0x34, take(cpus[1]));
        com1.assertLine(); // still high: no new edge
        assertEquals(-1, take(cpus[1]));
        com1.deassertLine();
        com1.pulse();
        assertEquals(0x34, take(cpus[1]));
        assertEquals(0, readReg(0x10 + 8) & REMOTE_IRR, "edge pins never set Remote IRR");
    }

    @Test
    void levelPinUsesRemoteIrrAndRedeliversAfterEoi() {
        program(10, LEVEL | 0x3A, 0);
        io.setLevel(10, true);
        assertTrue(cpus[0].irr(0x3A));
        assertTrue(cpus[0].tmr(0x3A), "level: TMR set");
        assertEquals(REMOTE_IRR, readReg(0x10 + 20) & REMOTE_IRR);
        io.setLevel(10, true);
        assertEquals(0x3A, cpus[0].apic.acknowledge());
        assertFalse(cpus[0].apic.hasDeliverable(), "no second message while Remote IRR is set");
        cpus[0].write(0xB0, 0); // the device has not been serviced: still asserted
        assertTrue(cpus[0].irr(0x3A), "re-delivered after EOI");
        assertEquals(REMOTE_IRR, readReg(0x10 + 20) & REMOTE_IRR);
        assertEquals(0x3A, cpus[0].apic.acknowledge());
        io.setLevel(10, false); // serviced
        cpus[0].write(0xB0, 0);
        assertEquals(0, readReg(0x10 + 20) & REMOTE_IRR);
        assertFalse(cpus[0].apic.hasDeliverable());
    }

    @Test
    void eoiRegisterClearsRemoteIrr() {
        program(11, LEVEL | 0x3B, 0);
        io.setLevel(11, true);
        cpus[0].apic.acknowledge();
        io.setLevel(11, false);
        io.mmioWrite(0x40, 4, 0x3C);
        assertEquals(REMOTE_IRR, readReg(0x10 + 22) & REMOTE_IRR, "another vector's EOI");
        io.mmioWrite(0x40, 4, 0x3B);
        assertEquals(0, readReg(0x10 + 22) & REMOTE_IRR);
    }

    @Test
    void switchingToEdgeClearsRemoteIrr() {
        program(12, LEVEL | 0x3C, 0);
        io.setLevel(12, true);
        io.setLevel(12, false);
        assertEquals(REMOTE_IRR, readReg(0x10 + 24) & REMOTE_IRR);
        writeReg(0x10 + 24, MASKED | 0x3C);
        writeReg(0x10 + 24, MASKED | LEVEL | 0x3C);
        assertEquals(0, readReg(0x10 + 24) & REMOTE_IRR);
    }

    @Test
    void maskedLevelPinDeliversWhenUnmasked() {
        program(13, MASKED | LEVEL | 0x3D, 0);
        io.setLevel(13, true);
        assertFalse(cpus[0].apic.hasDeliverable());
        assertEquals(0, readReg(0x10 + 26) & REMOTE_IRR);
        writeReg(0x10 + 26, LEVEL | 0x3D);
        assertTrue(cpus[0].irr(0x3D), "unmasking an asserted pin delivers");
    }

    @Test
    void maskedLevelPinThatWentQuietDeliversNothing() {
        program(13, MASKED | LEVEL | 0x3D, 0);
        io.setLevel(13, true);
        io.setLevel(13, false);
        writeReg(0x10 + 26, LEVEL | 0x3D);
        assertFalse(cpus[0].apic.hasDeliverable());
    }

    @Test
    void edgeWhileMaskedIsHeldUntilUnmask() {
        program(3, MASKED | 0x33, 0);
        io.line(3).pulse();
        assertFalse(cpus[0].apic.hasDeliverable());
        writeReg(0x10 + 6, 0x33);
        assertEquals(0x33, take(cpus[0]));
        writeReg(0x10 + 6, MASKED | 0x33);
        writeReg(0x10 + 6, 0x33);
        assertEquals(-1, take(cpus[0]), "held once, delivered once");
    }

    @Test
    void polarityFollowsTheWiring() {
        io.wireActiveLow(16, true); // a PCI INTx line: low while requesting
        program(16, ACTIVE_LOW | LEVEL | 0x50, 0);
        assertFalse(cpus[0].apic.hasDeliverable(), "idle high wire, programmed active low: quiet");
        io.setLevel(16, true);
        assertEquals(0x50, cpus[0].apic.acknowledge());
        io.setLevel(16, false);
        cpus[0].write(0xB0, 0);
        assertFalse(cpus[0].apic.hasDeliverable());

        program(17, MASKED | LEVEL | 0x51, 0); // ISA-style wire (active high) programmed active low by mistake
        writeReg(0x10 + 34, ACTIVE_LOW | LEVEL | 0x51);
        assertTrue(cpus[0].irr(0x51), "the idle low wire now reads as asserted, as on real hardware");
    }

    @Test
    void logicalDestinationAndNmiDelivery() {
        cpus[0].write(0xD0, 0x01 << 24);
        cpus[1].write(0xD0, 0x02 << 24);
        program(5, 1 << 11 | 0x35, 0x03);
        io.line(5).pulse();
        assertTrue(cpus[0].irr(0x35) && cpus[1].irr(0x35));
        program(6, 4 << 8, 1); // NMI
        io.line(6).pulse();
        assertEquals(1, cpus[1].nmis.get());
        assertEquals(0, cpus[0].nmis.get());
    }

    @Test
    void badMmioIsCountedNeverThrown() {
        long before = io.badAccesses();
        io.mmioWrite(0x10, 2, 0); // IOWIN is 32-bit
        io.mmioRead(0x20, 4); // nothing there
        io.mmioRead(0x40, 4); // EOI is write-only
        writeReg(0x01, 0); // version is read-only
        writeReg(0x40, 0); // past the redirection table
        assertEquals(0, readReg(0x05));
        assertEquals(before + 6, io.badAccesses());
        assertEquals(0x0017_0020, readReg(0x01));
        assertThrows(IllegalArgumentException.class, () -> io.line(24), "a host bug, not a guest one");
    }
}
