package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** IPIs written to the xAPIC ICR (SDM vol. 3 10.6): destinations, shorthands, delivery modes. */
class IpiTest {
    private static final int ICR_LOW = 0x300, ICR_HIGH = 0x310, LDR = 0xD0, DFR = 0xE0;
    private static final int LOGICAL = 1 << 11, ASSERT = 1 << 14, LEVEL = 1 << 15;
    private static final int SELF = 1 << 18, ALL = 2 << 18, OTHERS = 3 << 18;

    private Cpu[] cpus;

    @BeforeEach
    void setUp() {
        cpus = Cpu.bus(new ApicBus(new TestClock()), 4);
        for (Cpu c : cpus) {
            c.enable();
        }
    }

    private void send(Cpu from, int destination, int low) {
        from.write(ICR_HIGH, destination << 24);
        from.write(ICR_LOW, low);
    }

    /** Indexes of the processors whose IRR holds {@code vector}; clears it (INTA + EOI) so the next check starts clean. */
    private List<Integer> receivers(int vector) {
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < cpus.length; i++) {
            if (cpus[i].irr(vector)) {
                got.add(i);
                assertEquals(vector, cpus[i].apic.acknowledge());
                cpus[i].write(0xB0, 0);
            }
        }
        return got;
    }

    @Test
    void physicalDestinations() {
        send(cpus[0], 2, 0x41);
        assertEquals(List.of(2), receivers(0x41));
        send(cpus[3], 0, 0x42);
        assertEquals(List.of(0), receivers(0x42));
        send(cpus[1], 0xFF, 0x43);
        assertEquals(List.of(0, 1, 2, 3), receivers(0x43), "0xFF is the physical broadcast");
        send(cpus[1], 7, 0x44);
        assertEquals(List.of(), receivers(0x44), "no APIC 7");
        assertEquals(0x44, cpus[1].read(ICR_LOW), "delivery status (bit 12) reads idle: delivery is immediate");
        assertEquals(7 << 24, cpus[1].read(ICR_HIGH));
    }

    @Test
    void shorthands() {
        send(cpus[2], 0, SELF | 0x51);
        assertEquals(List.of(2), receivers(0x51), "self ignores the destination field");
        send(cpus[2], 0, ALL | 0x52);
        assertEquals(List.of(0, 1, 2, 3), receivers(0x52));
        send(cpus[2], 0, OTHERS | 0x53);
        assertEquals(List.of(0, 1, 3), receivers(0x53));
    }

    @Test
    void logicalFlatDestinations() {
        for (int i = 0; i < 4; i++) {
            cpus[i].write(LDR, 1 << (24 + i));
        }
        send(cpus[0], 0x05, LOGICAL | 0x61);
        assertEquals(List.of(0, 2), receivers(0x61));
        send(cpus[0], 0x08, LOGICAL | 0x62);
        assertEquals(List.of(3), receivers(0x62));
        send(cpus[0], 0x00, LOGICAL | 0x63);
        assertEquals(List.of(), receivers(0x63));
        send(cpus[0], 0xFF, LOGICAL | 0x64);
        assertEquals(List.of(0, 1, 2, 3), receivers(0x64));
    }

    @Test
    void logicalClusterDestinations() {
        int[] ids = {0x11, 0x12, 0x21, 0x22}; // cluster in 7:4, member bit in 3:0
        for (int i = 0; i < 4; i++) {
            cpus[i].write(DFR, 0x0FFF_FFFF);
            cpus[i].write(LDR, ids[i] << 24);
        }
        assertEquals(0x0FFF_FFFF, cpus[0].read(DFR));
        assertEquals(0x11 << 24, cpus[0].read(LDR));
        send(cpus[0], 0x13, LOGICAL | 0x71);
        assertEquals(List.of(0, 1), receivers(0x71));
        send(cpus[0], 0x22, LOGICAL | 0x72);
        assertEquals(List.of(3), receivers(0x72));
        send(cpus[0], 0x31, LOGICAL | 0x73);
        assertEquals(List.of(), receivers(0x73), "no cluster 3");
        send(cpus[0], 0xFF, LOGICAL | 0x74);
        assertEquals(List.of(0, 1, 2, 3), receivers(0x74), "0xFF is the broadcast in the cluster model too");
    }

    @Test
    void lowestPriorityPicksTheLowestProcessorPriority() {
        int[] tpr = {0x20, 0x10, 0x30, 0x20};
        for (int i = 0; i < 4; i++) {
            cpus[i].write(LDR, 1 << (24 + i));
            cpus[i].write(0x80, tpr[i]);
        }
        send(cpus[0], 0x0F, LOGICAL | 1 << 8 | 0x81);
        assertEquals(List.of(1), receivers(0x81));
        send(cpus[0], 0x0D, LOGICAL | 1 << 8 | 0x82); // APIC 1 not addressed
        List<Integer> got = receivers(0x82);
        assertTrue(got.equals(List.of(0)) || got.equals(List.of(3)), "one of the TPR 0x20 pair, not " + got);
    }

    @Test
    void lowestPrioritySpreadsOverEqualProcessors() {
        for (int i = 0; i < 4; i++) {
            cpus[i].write(LDR, 1 << (24 + i));
        }
        for (int v = 0x90; v < 0x94; v++) {
            send(cpus[0], 0x0F, LOGICAL | 1 << 8 | v);
        }
        for (int i = 0; i < 4; i++) {
            int n = 0;
            for (int v = 0x90; v < 0x94; v++) {
                n += cpus[i].irr(v) ? 1 : 0;
            }
            assertEquals(1, n, "APIC " + i + " got one of the four");
        }
    }

    @Test
    void initAndStartupReachTheProcessor() {
        cpus[1].write(0x80, 0x30);
        cpus[1].apic.accept(0x99, false);
        send(cpus[0], 1, ASSERT | 5 << 8); // INIT, level assert
        assertEquals(1, cpus[1].inits.get());
        assertEquals(0, cpus[0].inits.get() + cpus[2].inits.get() + cpus[3].inits.get());
        assertEquals(0, cpus[1].read(0x80), "INIT reset: TPR");
        assertEquals(0xFF, cpus[1].read(0xF0), "INIT reset: software-disabled");
        assertFalse(cpus[1].irr(0x99), "INIT reset: IRR");
        assertEquals(1 << 24, cpus[1].read(0x20), "the APIC ID survives INIT");

        send(cpus[0], 1, LEVEL | 5 << 8); // INIT level de-assert
        assertEquals(1, cpus[1].inits.get(), "de-assert is ignored");

        send(cpus[0], 1, ASSERT | 6 << 8 | 0x08); // STARTUP at 0x8000
        assertEquals(List.of(0x08), cpus[1].startups);
    }

    @Test
    void broadcastInitSipiSipiSkipsTheSender() {
        send(cpus[0], 0, OTHERS | ASSERT | 5 << 8);
        send(cpus[0], 0, OTHERS | ASSERT | 6 << 8 | 0x9A);
        send(cpus[0], 0, OTHERS | ASSERT | 6 << 8 | 0x9A);
        assertEquals(0, cpus[0].inits.get());
        assertEquals(List.of(), cpus[0].startups);
        for (int i = 1; i < 4; i++) {
            assertEquals(1, cpus[i].inits.get());
            assertEquals(List.of(0x9A, 0x9A), cpus[i].startups);
        }
    }

    @Test
    void nmiGoesToTheNmiCallbackNotTheIrr() {
        send(cpus[0], 3, ASSERT | 4 << 8 | 0x02);
        assertEquals(1, cpus[3].nmis.get());
        assertEquals(0, cpus[0].nmis.get() + cpus[1].nmis.get() + cpus[2].nmis.get());
        assertFalse(cpus[3].irr(0x02));
        assertFalse(cpus[3].apic.hasDeliverable());
    }

    @Test
    void smiAndIllegalCombinationsDeliverNothing() {
        send(cpus[0], 1, ASSERT | 2 << 8);
        send(cpus[0], 0, SELF | ASSERT | 4 << 8); // NMI with the self shorthand is invalid
        send(cpus[0], 0, ALL | 1 << 8 | 0x55); // lowest priority to all including self is invalid
        assertEquals(0, cpus[0].nmis.get());
        assertEquals(List.of(), receivers(0x55));
        for (Cpu c : cpus) {
            assertFalse(c.apic.hasDeliverable());
        }
    }

    @Test
    void sendingAnIllegalVectorSetsTheSendersEsr() {
        send(cpus[0], 1, 0x05);
        assertFalse(cpus[1].irr(0x05));
        assertEquals(0, cpus[1].esr());
        assertEquals(1 << 5, cpus[0].esr(), "send illegal vector");
    }

    @Test
    void levelTriggeredFixedIpiSetsTmr() {
        send(cpus[0], 2, LEVEL | ASSERT | 0xA1);
        assertTrue(cpus[2].tmr(0xA1));
    }
}
