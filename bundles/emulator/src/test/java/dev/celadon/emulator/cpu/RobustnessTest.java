package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No guest instruction stream crashes or hangs the host: every run ends with an exit, never a Java exception. */
class RobustnessTest {

    @Test
    void randomBytesInEveryModeEndInAnExit() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            Random rnd = new Random(12345);
            int[] seen = new int[ExitReason.values().length];
            for (int round = 0; round < 300; round++) {
                Machine m = new Machine(4 << 20);
                byte[] junk = new byte[1 << 16];
                rnd.nextBytes(junk);
                m.mem.write(0x10000, junk);
                // an IDT of random gates too, so delivery goes through garbage descriptors
                byte[] idt = new byte[4096];
                rnd.nextBytes(idt);
                m.mem.write(0x30000, idt);
                switch (round % 3) {
                    case 0:
                        m.realMode(0x10000 + rnd.nextInt(0x8000));
                        break;
                    case 1:
                        m.cpu.bootProtectedMode(0x10000 + rnd.nextInt(0x8000), 0, 0x30000, 0xFFF, 0x08, 0x10);
                        break;
                    default: {
                        // long mode on identity page tables for the first 2 MiB, built in guest memory
                        m.mem.writeLong(0x1000, 0x2003);
                        m.mem.writeLong(0x2000, 0x3003);
                        m.mem.writeLong(0x3000, 0x83);
                        m.cpu.bootLongMode(0x10000 + rnd.nextInt(0x8000), 0, 0x1000, 0x30000, 0xFFF, 0x08, 0x10);
                        break;
                    }
                }
                m.cpu.setIdtr(0x30000, 0xFFF);
                var stop = timer.schedule(m.cpu::requestAttention, 20, TimeUnit.MILLISECONDS);
                ExitReason r = m.cpu.run();
                stop.cancel(false);
                assertNotNull(r);
                seen[r.ordinal()]++;
                if (r == ExitReason.SHUTDOWN) {
                    assertTrue(m.cpu.failure() != null && !m.cpu.failure().contains("internal error"), m.cpu.failure());
                }
            }
            System.out.println("random code exits: " + java.util.Arrays.toString(seen));
            assertTrue(seen[ExitReason.TRIPLE_FAULT.ordinal()] > 0, "some triple faults");
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void jumpOutsideRamIsAShutdownExitWithTheAddress() {
        String prog = """
                main:
                  mov $0x40000000, %rax
                  jmp *%rax
                """;
        // 0x40000000 (1 GiB) is mapped by nothing: a #PF with no handler -> triple fault; map it to a physical
        // address past RAM with a 1 GiB page and it is an instruction fetch from non-RAM.
        LongModeRig rig = LongModeRig.create(prog);
        rig.m.mem.writeLong(LongModeRig.PDPT + 8, 0x40000000L | 0x83);
        assertEquals(ExitReason.SHUTDOWN, rig.m.run());
        assertTrue(rig.m.cpu.failure().contains("not RAM"), rig.m.cpu.failure());
        assertTrue(rig.m.cpu.failure().contains("40000000"), rig.m.cpu.failure());
    }

    @Test
    void pageTablesOutsideRamReadAsNotPresent() {
        String prog = """
                main:
                  mov $0xFEB00000, %rax
                  mov %rax, %cr3
                  nop
                  hlt
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.TRIPLE_FAULT, rig.m.run());
        assertTrue(rig.m.cpu.failure().contains("#PF"), rig.m.cpu.failure());
    }

    @Test
    void instructionLongerThan15BytesIsGp() {
        String prog = """
                main:
                  mov $13, %edi
                  lea gp(%rip), %rsi
                  mov $0x8E, %edx
                  xor %ecx, %ecx
                  call set_gate
                  .byte 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
                  add $1, %eax
                  hlt
                gp:
                  mov $'g', %al
                  out %al, $0xe9
                  hlt
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals("g", rig.m.out());
    }

    @Test
    void instructionAcrossAPageBoundaryIntoAnUnmappedPageFaultsWithCr2OnTheSecondPage() {
        String prog = """
                main:
                  mov $14, %edi
                  lea pf(%rip), %rsi
                  mov $0x8E, %edx
                  xor %ecx, %ecx
                  call set_gate
                  movabs $0x48, %rax         # REX.W prefix byte at the last byte of page 0x305000
                  mov %al, 0x305fff
                  movl $0x90c3c031, 0x306000 # xor %eax,%eax; ret  (48 31 c0 = xor %rax,%rax with the REX)
                  movq $0, 0x13000 + 0x306 * 8
                  invlpg 0x306000
                  mov $0x305fff, %rbx
                  call *%rbx
                  hlt
                pf:
                  mov %cr2, %r12
                  movq $0x306007, 0x13000 + 0x306 * 8
                  add $8, %rsp
                  iretq
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals(0x306000, rig.m.cpu.reg(12));
        assertEquals(0, rig.m.cpu.reg(Cpu.RAX));
    }
}
