package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** REP string instructions: bulk paths across pages, the overlap that must stay element by element, faults part-way. */
class StringOpsTest {

    @Test
    void repMovsAndStosAcrossPagesAndOverlap() {
        String prog = """
                main:
                  cld
                  mov $0x200000, %rdi        # fill 3 pages + 8 bytes with a pattern
                  mov $0x1122334455667788, %rax
                  mov $(3 * 512 + 1), %ecx
                  rep stosq
                  mov $0x200000, %rsi        # copy them, misaligned destination
                  mov $0x210003, %rdi
                  mov $(3 * 4096 + 8), %ecx
                  rep movsb
                  mov $0x220000, %rdi        # the forward overlap idiom: memset by movsb from dst - 1
                  movb $0x5C, (%rdi)
                  mov %rdi, %rsi
                  inc %rdi
                  mov $5000, %ecx
                  rep movsb
                  std                        # backwards
                  mov $0x230000 + 4088, %rdi
                  mov $0xABCD, %eax
                  mov $4, %ecx
                  rep stosw
                  cld
                  mov %rcx, %r8
                  mov %rsi, %r9
                  mov %rdi, %r10
                  hlt
                """;
        LongModeRig rig = LongModeRig.create(prog);
        Machine m = rig.m;
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        for (int i = 0; i < 3 * 512 + 1; i++) {
            assertEquals(0x1122334455667788L, m.mem.readLong(0x200000 + 8L * i));
        }
        assertArrayEquals(m.mem.read(0x200000, 3 * 4096 + 8), m.mem.read(0x210003, 3 * 4096 + 8));
        byte[] fill = m.mem.read(0x220000, 5001);
        for (byte b : fill) {
            assertEquals(0x5C, b);
        }
        assertEquals(0, m.mem.read(0x220000 + 5001, 1)[0]);
        for (int i = 0; i < 4; i++) {
            assertEquals(0xABCD, m.mem.readLong(0x230000 + 4088 - 2L * i) & 0xFFFF);
        }
        assertEquals(0, m.cpu.reg(8));
        assertEquals(0x220000 + 5000, m.cpu.reg(9));
        assertEquals(0x230000 + 4088 - 8, m.cpu.reg(10));
    }

    @Test
    void faultPartWayLeavesRegistersAtTheFaultingElement() {
        // The destination runs into a not-present page; the #PF handler maps it and returns: the copy resumes.
        String prog = """
                main:
                  mov $14, %edi
                  lea pf(%rip), %rsi
                  mov $0x8E, %edx
                  xor %ecx, %ecx
                  call set_gate
                  mov $0x200000, %rsi
                  mov $0x300000 - 100, %rdi
                  mov $1000, %ecx
                  rep movsb
                  hlt
                pf:
                  mov %rcx, %r12             # the count when the fault hit
                  mov %rdi, %r13
                  movq $0x300007, 0x13000 + 0x300 * 8
                  add $8, %rsp
                  iretq
                """;
        LongModeRig rig = LongModeRig.create(prog);
        Machine m = rig.m;
        byte[] src = new byte[1000];
        new java.util.Random(7).nextBytes(src);
        m.mem.write(0x200000, src);
        rig.setPte(0x300000, 0);
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        assertEquals(900, m.cpu.reg(12), "100 bytes done before the fault");
        assertEquals(0x300000, m.cpu.reg(13));
        assertEquals(0, m.cpu.reg(Cpu.RCX));
        assertArrayEquals(src, m.mem.read(0x300000 - 100, 1000));
    }

    @Test
    void repeCmpsbAndRepneScasb() {
        String prog = """
                main:
                  lea a(%rip), %rsi
                  lea b(%rip), %rdi
                  mov $16, %ecx
                  repe cmpsb
                  mov %rcx, %r8              # stops after the mismatch at index 4
                  lea a(%rip), %rdi
                  mov $'q', %al
                  mov $16, %ecx
                  repne scasb
                  mov %rcx, %r9
                  hlt
                a: .ascii "hello, world!..q"
                b: .ascii "hellO, world!..."
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals(11, rig.m.cpu.reg(8));
        assertEquals(0, rig.m.cpu.reg(9));
    }
}
