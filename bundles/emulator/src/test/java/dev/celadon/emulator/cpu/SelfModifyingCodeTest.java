package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Stores into code already decoded take effect: same block, later call, through an alias, by a device. */
class SelfModifyingCodeTest {

    @Test
    void storesIntoExecutedCodeTakeEffect() {
        // f is called (and so decoded), patched through its own address, called again; then patched through
        // a second virtual mapping of the same physical page (0x380000 + offset aliases 1 MiB + offset via a
        // PTE the test adds); then a store patches the very next instruction of the running block.
        String prog = """
                main:
                  call f
                  mov %eax, %r8d
                  movb $2, f+1(%rip)
                  call f
                  mov %eax, %r9d
                  lea f(%rip), %rbx
                  sub $0x100000, %rbx
                  add $0x380000, %rbx       # alias of f's page
                  movb $3, 1(%rbx)
                  call f
                  mov %eax, %r10d
                  movw $0x9090, 1f(%rip)    # turn the UD2 below into two NOPs
                1:
                  ud2
                  mov $'d', %al
                  out %al, $0xe9
                  hlt
                .align 64
                f:
                  mov $1, %eax
                  ret
                """;
        LongModeRig rig = LongModeRig.create(prog);
        long f = LongModeRig.symbol(prog, "f");
        long page = f & ~0xFFFL;
        rig.setPte(page - 0x100000 + 0x380000, page | 3);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals(1, rig.m.cpu.reg(8));
        assertEquals(2, rig.m.cpu.reg(9));
        assertEquals(3, rig.m.cpu.reg(10));
        assertEquals("d", rig.m.out());
    }

    @Test
    void aDeviceWriteThroughPhysicalMemoryInvalidatesCode() {
        String prog = """
                main:
                  call f
                  mov %eax, %r8d
                  hlt
                  call f
                  mov %eax, %r9d
                  hlt
                .align 64
                f:
                  mov $1, %eax
                  ret
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.HALT, rig.m.run());
        long f = LongModeRig.symbol(prog, "f");
        rig.m.mem.write(f + 1, new byte[] {7}); // "DMA"
        assertEquals(ExitReason.HALT, rig.m.run());
        assertEquals(1, rig.m.cpu.reg(8));
        assertEquals(7, rig.m.cpu.reg(9));
    }
}
