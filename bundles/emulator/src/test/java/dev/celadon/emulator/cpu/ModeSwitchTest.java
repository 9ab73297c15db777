package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real mode to 32-bit protected mode to long mode, as the micro-guests' AP trampoline and start.S do. */
class ModeSwitchTest {
    static final String PROGRAM = """
            .code16
            start:
              cli
              xor %ax, %ax
              mov %ax, %ds
              mov %ax, %ss
              mov $0x7000, %sp
              mov $'R', %al
              out %al, $0xe9
              lgdtl gdt_ptr
              mov %cr0, %eax
              or $1, %eax
              mov %eax, %cr0
              ljmpl $0x08, $pm32
            .code32
            pm32:
              mov $0x10, %ax
              mov %ax, %ds
              mov %ax, %es
              mov %ax, %ss
              mov $0x7000, %esp
              mov $'P', %al
              out %al, $0xe9
              movl $0x11003, 0x10000
              movl $0x12003, 0x11000
              movl $0x83, 0x12000
              movl $0x200083, 0x12008
              mov %cr4, %eax
              or $0x20, %eax
              mov %eax, %cr4
              mov $0x10000, %eax
              mov %eax, %cr3
              mov $0xC0000080, %ecx
              rdmsr
              or $0x100, %eax
              wrmsr
              mov %cr0, %eax
              or $0x80000000, %eax
              mov %eax, %cr0
              ljmp $0x18, $lm64
            .code64
            lm64:
              mov $'L', %al
              out %al, $0xe9
              movabs $0x123456789abcdef0, %rax
              push %rax
              pop %rbx
              lea msg(%rip), %rsi
              mov $2, %ecx
              mov $0xe9, %dx
              rep outsb
              hlt
            msg: .ascii "OK"
            .align 8
            gdt:
              .quad 0
              .quad 0x00CF9A000000FFFF
              .quad 0x00CF92000000FFFF
              .quad 0x00AF9A000000FFFF
            gdt_ptr:
              .word 31
              .long gdt
            """;

    @Test
    void realToProtectedToLong() {
        Machine m = new Machine().load(PROGRAM, 0x8000).realMode(0x8000);
        assertEquals(ExitReason.HALT, m.run(), () -> m.cpu.failure());
        assertEquals("RPLOK", m.out());
        assertTrue(m.cpu.longMode());
        assertEquals(0x123456789abcdef0L, m.cpu.reg(Cpu.RBX));
        assertEquals(0x18, m.cpu.segment(Segment.CS).selector());
        assertEquals(0x7000, m.cpu.reg(Cpu.RSP));
        // the page tables' accessed bits were set by the walks
        assertTrue((m.mem.readLong(0x10000) & 0x20) != 0, "PML4E accessed");
        assertTrue((m.mem.readLong(0x12000) & 0x20) != 0, "PDE accessed");
    }
}
