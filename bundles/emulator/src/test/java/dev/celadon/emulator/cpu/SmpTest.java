package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Two processors on two threads share memory; LOCKed read-modify-writes add up exactly. */
class SmpTest {

    @Test
    void lockXaddAndMisalignedLockAddFromTwoThreads() throws Exception {
        String prog = """
                main:
                  mov $200000, %ecx
                1:
                  mov $1, %eax
                  lock xadd %eax, 0x200000           # aligned: compare-and-set
                  lock addq $1, 0x200106             # crosses an 8-byte word: striped lock
                  lock incw 0x200200
                  xchg %ebx, 0x200300                # implicitly locked
                  dec %ecx
                  jnz 1b
                  hlt
                """;
        LongModeRig rig = LongModeRig.create(prog);
        Cpu second = new Cpu(1, rig.m.mem, new TestPlatform());
        second.bootLongMode(LongModeRig.ORIGIN, 0, LongModeRig.PML4, LongModeRig.GDT, 0x37, LongModeRig.KCODE, LongModeRig.KDATA);
        second.setReg(Cpu.RBX, 7);
        rig.m.cpu.setReg(Cpu.RBX, 9);
        AtomicReference<ExitReason> r2 = new AtomicReference<>();
        Thread t = new Thread(() -> r2.set(second.run()));
        t.start();
        ExitReason r1 = rig.m.cpu.run();
        t.join();
        assertEquals(ExitReason.HALT, r1, () -> rig.m.cpu.failure());
        assertEquals(ExitReason.HALT, r2.get(), second::failure);
        assertEquals(400000, rig.m.mem.readLong(0x200000) & 0xFFFF_FFFFL);
        assertEquals(400000, rig.m.mem.readLong(0x200106));
        assertEquals(400000 & 0xFFFF, rig.m.mem.readLong(0x200200) & 0xFFFF);
        long vals = rig.m.mem.readLong(0x200300) & 0xFFFF_FFFFL;
        // the three values 0, 7, 9 are conserved among memory and the two EBXs
        long sum = vals + (rig.m.cpu.reg(Cpu.RBX) & 0xFFFF_FFFFL) + (second.reg(Cpu.RBX) & 0xFFFF_FFFFL);
        assertEquals(16, sum);
    }
}
