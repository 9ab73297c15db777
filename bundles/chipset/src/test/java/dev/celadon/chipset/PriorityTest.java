package dev.celadon.chipset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Acceptance, PPR, INTA and EOI order (SDM vol. 3 10.8), through the xAPIC registers. */
class PriorityTest {
    private ApicBus bus;
    private Cpu cpu;
    private LocalApic apic;

    @BeforeEach
    void setUp() {
        bus = new ApicBus(new TestClock());
        cpu = Cpu.bus(bus, 1)[0].enable();
        apic = cpu.apic;
    }

    @Test
    void powerUpState() {
        Cpu fresh = Cpu.bus(new ApicBus(new TestClock()), 2)[1];
        assertEquals(1 << 24, fresh.read(0x20), "APIC ID in bits 31:24");
        assertEquals(0x0005_0014, fresh.read(0x30), "version 0x14, max LVT 5, no directed EOI");
        assertEquals(0xFF, fresh.read(0xF0), "SVR: software-disabled, spurious vector 0xFF");
        assertEquals(0xFFFF_FFFF, fresh.read(0xE0), "DFR flat");
        for (int lvt = 0x320; lvt <= 0x370; lvt += 0x10) {
            assertEquals(0x10000, fresh.read(lvt), "LVT masked at 0x" + Integer.toHexString(lvt));
        }
        assertEquals(0xFEE0_0800L, fresh.apic.readMsr(0x1B), "AP: enabled, not BSP");
        assertEquals(0xFEE0_0900L, apic.readMsr(0x1B), "BSP flag on the first processor");
    }

    @Test
    void softwareDisabledApicDropsFixedInterruptsAndKeepsLvtMasked() {
        cpu.write(0xF0, 0xFF);
        apic.accept(0x40, false);
        assertFalse(cpu.irr(0x40));
        cpu.write(0x350, 0x0030);
        assertEquals(0x10030, cpu.read(0x350), "mask bit cannot be cleared while software-disabled");
        cpu.enable();
        cpu.write(0x350, 0x0030);
        assertEquals(0x0030, cpu.read(0x350));
    }

    @Test
    void pprFollowsTprAndInServiceClass() {
        cpu.write(0x80, 0x3A);
        assertEquals(0x3A, cpu.read(0xA0), "PPR = TPR with nothing in service");
        apic.accept(0x51, false);
        assertEquals(0x51, apic.acknowledge());
        assertEquals(0x50, cpu.read(0xA0), "PPR = ISRV[7:4] when it is above TPR's class");
        cpu.write(0x80, 0x5F);
        assertEquals(0x5F, cpu.read(0xA0), "same class: TPR wins, low bits kept");
        cpu.write(0x80, 0x20);
        assertEquals(0x50, cpu.read(0xA0));
    }

    @Test
    void onlyAClassAbovePprIsDeliverable() {
        cpu.write(0x80, 0x60);
        apic.accept(0x61, false);
        assertFalse(apic.hasDeliverable(), "class 6 is not above TPR class 6");
        assertEquals(-1, apic.acknowledge());
        assertTrue(cpu.irr(0x61), "held in IRR");
        int wakes = cpu.wakes.get();
        cpu.write(0x80, 0x5F);
        assertTrue(apic.hasDeliverable(), "lowering TPR exposes it");
        assertEquals(wakes + 1, cpu.wakes.get(), "and wakes the processor once");
        cpu.write(0x80, 0x50);
        cpu.write(0x80, 0x40);
        assertEquals(wakes + 1, cpu.wakes.get(), "no new wake while the same vector stays deliverable");
        assertEquals(0x61, apic.acknowledge());
        assertFalse(cpu.irr(0x61));
        assertTrue(cpu.isr(0x61));
    }

    @Test
    void nestedVectorsEndHighestFirstAndLowerOnesWait() {
        apic.accept(0x51, false);
        assertEquals(0x51, apic.acknowledge());
        apic.accept(0x52, false);
        assertFalse(apic.hasDeliverable(), "same class as the one in service");
        apic.accept(0x61, false);
        assertEquals(0x61, apic.acknowledge(), "a higher class nests");
        assertTrue(cpu.isr(0x51) && cpu.isr(0x61));
        assertEquals(0x60, cpu.read(0xA0));

        cpu.write(0xB0, 0); // EOI ends the highest in service
        assertFalse(cpu.isr(0x61));
        assertTrue(cpu.isr(0x51));
        assertFalse(apic.hasDeliverable(), "0x52 still waits for 0x51");
        int wakes = cpu.wakes.get();
        cpu.write(0xB0, 0);
        assertFalse(cpu.isr(0x51));
        assertEquals(wakes + 1, cpu.wakes.get(), "the EOI that exposes 0x52 wakes the processor");
        assertEquals(0x52, apic.acknowledge());
        cpu.write(0xB0, 0);
        assertEquals(-1, apic.acknowledge());
        cpu.write(0xB0, 0); // EOI with nothing in service is harmless
        assertEquals(0, cpu.read(0xA0));
    }

    @Test
    void highestPendingIsTakenFirst() {
        List<Integer> taken = new ArrayList<>();
        for (int v : new int[] {0x33, 0xE1, 0x90, 0x91, 0x20}) {
            apic.accept(v, false);
        }
        for (int v; (v = apic.acknowledge()) >= 0; ) {
            taken.add(v);
            cpu.write(0xB0, 0);
        }
        assertEquals(List.of(0xE1, 0x91, 0x90, 0x33, 0x20), taken);
    }

    @Test
    void arbitrationPriorityRegister() {
        cpu.write(0x80, 0x30);
        assertEquals(0x30, cpu.read(0x90), "TPR above everything");
        apic.accept(0x81, false);
        cpu.write(0x80, 0x90); // hold it pending
        assertEquals(0x90, cpu.read(0x90));
        cpu.write(0x80, 0x30);
        assertEquals(0x80, cpu.read(0x90), "IRRV class above TPR");
    }

    @Test
    void triggerModeIsRecordedAndEoiCallbacksRun() {
        AtomicInteger ended = new AtomicInteger();
        List<Integer> broadcast = new ArrayList<>();
        bus.addEoiListener(broadcast::add);
        apic.accept(0x70, true, ended::incrementAndGet);
        assertTrue(cpu.tmr(0x70));
        apic.accept(0x70, true, ended::incrementAndGet); // coalesced, callbacks chained
        apic.accept(0x71, false);
        assertFalse(cpu.tmr(0x71));
        assertEquals(0x71, apic.acknowledge());
        cpu.write(0xB0, 0);
        assertEquals(0, ended.get(), "0x71's EOI is not 0x70's");
        assertEquals(List.of(), broadcast, "an edge-triggered EOI is not broadcast");
        assertEquals(0x70, apic.acknowledge());
        assertEquals(0, ended.get(), "not before EOI");
        cpu.write(0xB0, 0);
        assertEquals(2, ended.get());
        assertEquals(List.of(0x70), broadcast, "a level-triggered EOI reaches the IOAPICs");
        apic.accept(0x70, false);
        assertFalse(cpu.tmr(0x70), "an edge acceptance clears TMR");
    }

    @Test
    void cr8IsTprBits7To4() {
        apic.writeCr8(0x7);
        assertEquals(0x70, cpu.read(0x80));
        cpu.write(0x80, 0x9C);
        assertEquals(0x9, apic.readCr8());
    }
}
