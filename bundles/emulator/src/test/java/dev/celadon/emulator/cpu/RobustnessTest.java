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

    /**
     * Random x87 and SSE encodings (all mandatory prefixes, REX, ModRM forms) in long mode with SSE enabled and
     * registers pointing into RAM: every run ends in an exit, never a Java exception from the FPU/SSE code.
     */
    @Test
    void randomX87AndSseEncodingsEndInAnExit() throws Exception {
        try {
            randomX87AndSse();
        } finally {
            TIMER.shutdownNow();
        }
    }

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor();

    private void randomX87AndSse() throws Exception {
        Random rnd = new Random(777);
        int[] seen = new int[ExitReason.values().length];
        Machine m = new Machine(4 << 20);
        byte[] junk = new byte[1 << 16];
        rnd.nextBytes(junk);
        m.mem.write(0x40000, junk); // operands: random values, NaNs and all
        m.mem.writeLong(0x1000, 0x2003);
        m.mem.writeLong(0x2000, 0x3003);
        m.mem.writeLong(0x3000, 0x83);
        int[] pfx = {-1, 0x66, 0xF2, 0xF3};
        for (int round = 0; round < 8000; round++) {
            java.io.ByteArrayOutputStream code = new java.io.ByteArrayOutputStream();
            for (int n = 0; n < 1 + round % 2; n++) { // one or two instructions
                int p = pfx[rnd.nextInt(4)];
                if (p >= 0) {
                    code.write(p);
                }
                if (rnd.nextInt(3) == 0) {
                    code.write(0x40 | rnd.nextInt(16));
                }
                if (rnd.nextInt(4) == 0) {
                    code.write(0xD8 + rnd.nextInt(8));
                } else {
                    code.write(0x0F);
                    int op = rnd.nextInt(2) == 0 ? 0x10 + rnd.nextInt(0x70) : 0xC2 + rnd.nextInt(0x3E);
                    code.write(op >= 0x20 && op <= 0x37 ? 0x58 : op); // not MOV CR/DR, WRMSR, SYSENTER...
                }
                int mod = rnd.nextInt(4);
                int rm = rnd.nextInt(8);
                code.write((mod << 6) | (rnd.nextInt(8) << 3) | (mod != 3 && (rm == 4 || rm == 5) ? 0 : rm));
                code.write(rnd.nextInt(256)); // imm8 or disp8 (or the next opcode)
            }
            code.write(0xF4);
            m.mem.write(0x10000, code.toByteArray());
            m.cpu.bootLongMode(0x10000, 0, 0x1000, 0x30000, 0xFFF, 0x08, 0x10);
            m.cpu.setCr4(m.cpu.cr4() | Cpu.CR4_OSFXSR | (round % 2 == 0 ? Cpu.CR4_OSXMMEXCPT : 0));
            for (int r = 0; r < 16; r++) {
                m.cpu.setReg(r, 0x40000 + 16 * rnd.nextInt(0x800) + (rnd.nextInt(8) == 0 ? rnd.nextInt(16) : 0));
            }
            var stop = TIMER.schedule(m.cpu::requestAttention, 20, TimeUnit.MILLISECONDS);
            ExitReason r = m.cpu.run();
            stop.cancel(false);
            seen[r.ordinal()]++;
            if (r == ExitReason.SHUTDOWN) {
                assertTrue(m.cpu.failure() != null && !m.cpu.failure().contains("internal error"), m.cpu.failure());
            }
        }
        System.out.println("random x87/SSE code exits: " + java.util.Arrays.toString(seen));
        assertTrue(seen[ExitReason.HALT.ordinal()] > 800, "many runs got through to their HLT");
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
