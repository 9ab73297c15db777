package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** External interrupts: IF, the STI shadow, HLT returning to the caller, the acknowledge protocol. */
class InterruptTest {
    static final String PROG = """
            main:
              mov $0x40, %edi
              lea handler(%rip), %rsi
              mov $0x8E, %edx
              xor %ecx, %ecx
              call set_gate
              cli
              mov $'a', %al
              out %al, $0xe9              # the test signals the interrupt now; IF = 0 holds it off
              nop
              nop
            before_sti:
              sti
            halt:
              hlt
            after:
              mov $'z', %al
              out %al, $0xe9
              cli
              hlt
            handler:
              mov (%rsp), %r12            # the interrupted RIP
              mov $'I', %al
              out %al, $0xe9
              iretq
            """;

    @Test
    void stiHltDoesNotLoseAWakeUp() {
        LongModeRig rig = LongModeRig.create(PROG);
        Machine m = rig.m;
        m.platform.raise(0x40);
        m.cpu.signalInterrupt();
        // The interrupt is pending throughout; it is taken only after STI's shadow, i.e. when HLT has executed.
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        assertEquals("a", m.out());
        assertTrue(m.cpu.interruptsEnabled(), "IF=1 and no shadow at the HLT exit: the caller wakes the CPU");
        assertEquals(LongModeRig.symbol(PROG, "after"), m.cpu.rip());
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        assertEquals("aIz", m.out());
        assertEquals(LongModeRig.symbol(PROG, "after"), m.cpu.reg(12), "delivered after HLT, not between STI and HLT");
        assertFalse(m.cpu.interruptsEnabled());
    }

    @Test
    void noInterruptPendingMeansHltWaits() {
        LongModeRig rig = LongModeRig.create(PROG);
        Machine m = rig.m;
        assertEquals(ExitReason.HALT, m.run());
        // the caller runs again without an interrupt: execution continues after HLT
        assertEquals(ExitReason.HALT, m.run());
        assertEquals("az", m.out());
    }

    @Test
    void acknowledgeReturningMinusOneDeliversNothing() {
        LongModeRig rig = LongModeRig.create(PROG);
        Machine m = rig.m;
        m.cpu.signalInterrupt(); // spurious: the APIC has nothing
        assertEquals(ExitReason.HALT, m.run());
        assertEquals(ExitReason.HALT, m.run());
        assertEquals("az", m.out());
    }

    @Test
    void nmiIsTakenWithInterruptsOffAndHeldUntilIret() {
        String prog = """
                main:
                  mov $2, %edi
                  lea nmi(%rip), %rsi
                  mov $0x8E, %edx
                  xor %ecx, %ecx
                  call set_gate
                  cli
                  out %al, $0xf4             # the test's platform stops here (ATTENTION)
                  mov $'a', %al
                  out %al, $0xe9
                  hlt
                nmi:
                  mov $'N', %al
                  out %al, $0xe9
                  out %al, $0xf4             # stop inside the handler: a second NMI must wait for IRETQ
                  mov $'n', %al
                  out %al, $0xe9
                  iretq
                """;
        LongModeRig rig = LongModeRig.create(prog);
        Machine m = rig.m;
        assertEquals(ExitReason.ATTENTION, m.cpu.run());
        m.cpu.signalNmi();
        assertEquals(ExitReason.ATTENTION, m.cpu.run());
        assertEquals("N", m.out());
        m.cpu.signalNmi();
        assertEquals(ExitReason.ATTENTION, m.cpu.run());
        assertEquals("NnN", m.out(), "the second NMI right after the IRETQ");
        assertEquals(ExitReason.HALT, m.cpu.run());
        assertEquals("NnNna", m.out());
    }
}
