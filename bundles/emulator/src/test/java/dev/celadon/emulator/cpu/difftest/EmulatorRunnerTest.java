package dev.celadon.emulator.cpu.difftest;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.NativeOracleTest.b;
import static dev.celadon.emulator.cpu.difftest.NativeOracleTest.tc;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The emulator-side machine itself: a case's end, a fault's vector, RIP, RSP and CR2 are read back right. */
class EmulatorRunnerTest {
    @Test
    void endsFaultsAndStores() {
        try (EmulatorRunner emu = new EmulatorRunner()) {
            // add rax, rbx with RSP non-canonical: completes, RIP at the end, RSP untouched
            Outcome o = emu.run(tc(0, b(0x48, 0x01, 0xd8), 2, 0, 0, 2, 0x7fff_ffff_ffff_ffffL));
            assertEquals(Outcome.Status.COMPLETED, o.status(), o.describeEnd());
            assertEquals(4, o.regs()[0]);
            assertEquals(0x7fff_ffff_ffff_ffffL, o.regs()[4]);
            assertEquals(CaseLayout.CODE_BASE + 3, o.rip());

            // div rcx with rcx = 0: #DE at the instruction
            o = emu.run(tc(0, b(0x48, 0xf7, 0xf1), 5, 0, 0));
            assertEquals(0, o.vector(), o.describeEnd());
            assertEquals(CaseLayout.CODE_BASE, o.rip());

            // ud2: #UD
            assertEquals(6, emu.run(tc(0, b(0x0f, 0x0b))).vector());

            // mov [rdi], rax: a store in the buffer, then one across its end (#PF, CR2 = the end)
            long v = 0x1122334455667788L;
            o = emu.run(tc(0, b(0x48, 0x89, 0x07), v, 0, 0, 0, 0, 0, 0, CaseLayout.DATA_BASE + 0x10));
            assertEquals(List.of(new MemoryRun(0x10, b(0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11))), o.memory());
            o = emu.run(tc(0, b(0x48, 0x89, 0x07), v, 0, 0, 0, 0, 0, 0, CaseLayout.DATA_END - 4));
            assertEquals(14, o.vector(), o.describeEnd());
            assertEquals(CaseLayout.DATA_END, o.cr2());
        }
    }
}
