package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The x2APIC MSR view (SDM vol. 3 10.12) and IA32_APIC_BASE transitions, as RDMSR/WRMSR see them. */
class X2apicTest {
    private static final long BASE = 0xFEE0_0000L, EN = 1L << 11, EXTD = 1L << 10;

    private ApicBus bus;
    private LocalApic[] apics;
    private Cpu[] cpus;

    @BeforeEach
    void setUp() {
        bus = new ApicBus(new TestClock());
        int[] ids = {0x00, 0x01, 0x12, 0x13};
        cpus = new Cpu[ids.length];
        apics = new LocalApic[ids.length];
        for (int i = 0; i < ids.length; i++) {
            cpus[i] = new Cpu();
            apics[i] = cpus[i].apic = bus.addProcessor(ids[i], cpus[i]);
            apics[i].writeMsr(0x1B, BASE | EN | EXTD);
            apics[i].writeMsr(0x80F, 0x1FF);
        }
    }

    @Test
    void identityRegisters() {
        assertEquals(0x12, apics[2].readMsr(0x802), "32-bit x2APIC ID");
        assertEquals(0x0005_0014, apics[2].readMsr(0x803));
        assertEquals(0x0001_0004, apics[2].readMsr(0x80D), "LDR: cluster ID[19:4] = 1, bit ID[3:0] = 2");
        assertEquals(0x0000_0002, apics[1].readMsr(0x80D));
        assertEquals(BASE | EN | EXTD | 1 << 8, apics[0].readMsr(0x1B));
        assertTrue(apics[0].x2apicMode());
    }

    @Test
    void mmioIsOffInX2apicMode() {
        long before = apics[0].badAccesses();
        assertEquals(0, apics[0].mmioRead(0x20, 4));
        apics[0].mmioWrite(0x80, 4, 0xF0);
        assertEquals(before + 2, apics[0].badAccesses());
        assertEquals(0, apics[0].readMsr(0x808), "the MMIO write did not reach TPR");
    }

    @Test
    void reservedReadOnlyAndWriteOnlyMsrsFault() {
        LocalApic a = apics[0];
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x80E), "no DFR in x2APIC mode");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x80E, 0));
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x831), "no ICR high: the ICR is one MSR");
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x809), "no APR");
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x82F), "no CMCI LVT with max LVT 5");
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x80B), "EOI is write-only");
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x83F), "SELF IPI is write-only");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x802, 5), "ID is read-only");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x80D, 5), "LDR is read-only");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x839, 5), "current count is read-only");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x80B, 1), "EOI takes only 0");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x828, 1), "ESR takes only 0");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x808, 1L << 32), "bits 63:32");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x83F, 0x140), "SELF IPI takes a vector");
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x10), "not an APIC MSR");
        assertEquals(0x1FF, a.readMsr(0x80F), "nothing changed on the way");
    }

    @Test
    void x2apicMsrsFaultOutsideX2apicMode() {
        Cpu xapic = new Cpu();
        LocalApic a = xapic.apic = new ApicBus(new TestClock()).addProcessor(0, xapic);
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x802));
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x808, 0));
        assertEquals(0, a.readMsr(0x6E0), "TSC_DEADLINE exists in both modes");
    }

    @Test
    void apicBaseTransitions() {
        LocalApic a = apics[1];
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x1B, BASE | EN), "x2APIC to xAPIC is invalid");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x1B, BASE | EXTD), "EXTD without EN is invalid");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x1B, BASE | EN | EXTD | 1), "reserved bit 0");
        a.writeMsr(0x808, 0x20);
        a.writeMsr(0x1B, BASE); // x2APIC to disabled
        assertFalse(a.x2apicMode());
        assertThrows(ApicAccessException.class, () -> a.readMsr(0x808));
        a.accept(0x40, false);
        assertFalse(a.hasDeliverable(), "a disabled APIC takes nothing");
        assertThrows(ApicAccessException.class, () -> a.writeMsr(0x1B, BASE | EN | EXTD), "disabled to x2APIC");
        a.writeMsr(0x1B, 0xFED0_0000L | EN); // xAPIC again, relocated
        assertEquals(0xFED0_0000L, a.mmioBase());
        assertEquals(0, cpus[1].read(0x80), "power-up state after the disable");
        assertEquals(0xFF, cpus[1].read(0xF0));
        a.writeMsr(0x1B, 0xFED0_0000L | EN | EXTD);
        assertEquals(1, a.readMsr(0x802));
    }

    @Test
    void selfIpiAndEoiThroughMsrs() {
        LocalApic a = apics[3];
        a.writeMsr(0x83F, 0x45);
        assertEquals(1L << 5, a.readMsr(0x822), "IRR bit of vector 0x45 (IRR2 = MSR 0x822)");
        assertEquals(0x45, a.acknowledge());
        assertEquals(1L << 5, a.readMsr(0x812), "in service (ISR2 = MSR 0x812)");
        assertEquals(0x40, a.readMsr(0x80A), "PPR");
        a.writeMsr(0x80B, 0);
        assertEquals(0, a.readMsr(0x812));
        a.writeMsr(0x83F, 0x07);
        a.writeMsr(0x828, 0);
        assertEquals(1 << 5, a.readMsr(0x828), "self IPI with an illegal vector: send illegal vector");
    }

    @Test
    void icrIsOneMsrWithA32BitDestination() {
        apics[0].writeMsr(0x830, 0x12L << 32 | 0x61);
        assertEquals(0x12L << 32 | 0x61, apics[0].readMsr(0x830));
        assertTrue(apics[2].hasDeliverable());
        assertEquals(0x61, apics[2].acknowledge());
        apics[2].writeMsr(0x80B, 0);
        for (int i : new int[] {0, 1, 3}) {
            assertFalse(apics[i].hasDeliverable(), "APIC " + i);
        }
        apics[0].writeMsr(0x830, 0xFFFF_FFFFL << 32 | 0x62);
        for (LocalApic a : apics) {
            assertEquals(0x62, a.acknowledge(), "0xFFFFFFFF broadcast reaches " + a);
        }
    }

    @Test
    void logicalClusterIcr() {
        // Cluster 1, members 2 and 3 (x2APIC IDs 0x12 and 0x13); cluster 0, member 1 (ID 0x01).
        apics[0].writeMsr(0x830, 0x0001_000CL << 32 | 1 << 11 | 0x63);
        assertFalse(apics[0].hasDeliverable() || apics[1].hasDeliverable());
        assertEquals(0x63, apics[2].acknowledge());
        assertEquals(0x63, apics[3].acknowledge());
        apics[3].writeMsr(0x830, 0x0000_0002L << 32 | 1 << 11 | 0x64);
        assertEquals(0x64, apics[1].acknowledge());
        assertFalse(apics[0].hasDeliverable() || apics[2].hasDeliverable());
    }

    @Test
    void timerRegistersThroughMsrs() {
        TestClock clock = (TestClock) bus.clock();
        LocalApic a = apics[0];
        a.writeMsr(0x83E, 0xB);
        a.writeMsr(0x832, 0x30);
        a.writeMsr(0x838, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_FFFFL, a.readMsr(0x838), "unsigned 32-bit count");
        clock.advance(5);
        assertEquals(0xFFFF_FFFAL, a.readMsr(0x839));
    }
}
