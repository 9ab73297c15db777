package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 4-level paging with 4 KiB and 2 MiB pages, A/D bits in guest memory, #PF with CR2 and error codes, NX, WP. */
class PagingTest {

    @Test
    void accessedAndDirtyBitsAreWrittenToTheGuestPageTables() {
        String prog = """
                main:
                  mov 0x205000, %rax        # read: A only
                  movq $0x1234, 0x206008    # write: A and D
                  movq $0x5678, 0x400010    # 2 MiB page: the PDE gets A and D
                  hlt
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals(0x27, rig.pte(0x205000) & 0x67, "present, writable, user, accessed, not dirty");
        assertEquals(0x67, rig.pte(0x206000) & 0x67, "accessed and dirty");
        assertEquals(0x1234, rig.m.mem.readLong(0x206008));
        long pde = rig.m.mem.readLong(LongModeRig.PD + 2 * 8);
        assertEquals(0x60, pde & 0x60, "2 MiB page accessed and dirty");
        assertEquals(0x5678, rig.m.mem.readLong(0x400010));
        assertEquals(0x20, rig.m.mem.readLong(LongModeRig.PML4) & 0x20);
    }

    @Test
    void pageFaultHandlerSeesCr2AndErrorCodeAndDemandMapsThePage() {
        // The PTE of 0x300000 is cleared (not present); the handler maps it to physical 0x380000 and returns,
        // so the faulting store is restarted and completes.
        String prog = """
                main:
                  mov $14, %edi
                  lea pf(%rip), %rsi
                  mov $0x8E, %edx
                  xor %ecx, %ecx
                  call set_gate
                  movq $0xCAFE, 0x300018
                  mov 0x300018, %rbx
                  hlt
                pf:
                  pop %rax                  # error code
                  mov %rax, 0x1F0000
                  mov %cr2, %rax
                  mov %rax, 0x1F0008
                  mov (%rsp), %rax          # faulting RIP
                  mov %rax, 0x1F0010
                  movq $0x380007, 0x13000 + 0x300 * 8
                  iretq
                """;
        LongModeRig rig = LongModeRig.create(prog);
        rig.setPte(0x300000, 0);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals(2, rig.m.mem.readLong(0x1F0000), "write, not present, supervisor");
        assertEquals(0x300018, rig.m.mem.readLong(0x1F0008));
        assertEquals(0x300018, rig.m.cpu.cr2());
        long storeRip = rig.m.mem.readLong(0x1F0010);
        assertTrue(storeRip > LongModeRig.ORIGIN && storeRip < LongModeRig.ORIGIN + 0x10000);
        assertEquals(0xCAFE, rig.m.cpu.reg(Cpu.RBX));
        assertEquals(0xCAFE, rig.m.mem.readLong(0x380018));
    }

    @Test
    void writeProtectAndNoExecute() {
        // 0x301000 read-only (CR0.WP = 1 at boot), 0x302000 no-execute. The handler records the error code and
        // CR2 of each fault and resumes at the address in %r15.
        String prog = """
                main:
                  mov $14, %edi
                  lea pf(%rip), %rsi
                  mov $0x8E, %edx
                  xor %ecx, %ecx
                  call set_gate
                  lea 1f(%rip), %r15
                  movq $1, 0x301000         # #PF: present, write
                1:
                  lea 2f(%rip), %r15
                  mov $0x302000, %rax
                  movb $0xC3, (%rax)        # a RET there, on a writable but NX page
                  call *%rax                # #PF: instruction fetch
                2:
                  hlt
                pf:
                  pop %rax
                  mov log_n(%rip), %rcx
                  lea log(%rip), %rdx
                  mov %rax, (%rdx,%rcx,8)
                  mov %cr2, %rax
                  mov %rax, 8(%rdx,%rcx,8)
                  add $2, %rcx
                  mov %rcx, log_n(%rip)
                  mov %r15, (%rsp)
                  iretq
                log_n: .quad 0
                log: .skip 64
                """;
        LongModeRig rig = LongModeRig.create(prog);
        rig.setPte(0x301000, 0x301000 | 5);             // present, user, read-only
        rig.setPte(0x302000, 0x302000 | 7 | (1L << 63)); // NX
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        long log = LongModeRig.symbol(prog, "log");
        assertEquals(4, rig.m.mem.readLong(LongModeRig.symbol(prog, "log_n")));
        assertEquals(3, rig.m.mem.readLong(log), "present | write");
        assertEquals(0x301000, rig.m.mem.readLong(log + 8));
        assertEquals(0x11, rig.m.mem.readLong(log + 16), "present | instruction fetch");
        assertEquals(0x302000, rig.m.mem.readLong(log + 24));
        assertEquals(0, rig.m.mem.readLong(0x301000));
    }

    @Test
    void invlpgAndCr3WritesDropStaleTranslations() {
        // Remap 0x303000 from physical 0x303000 to 0x304000 in the guest's own PTE: without INVLPG the old
        // translation may stay cached; after INVLPG the new one must be used. Then the same through a CR3 write.
        String prog = """
                main:
                  movq $0x1111, 0x303000
                  movq $0x2222, 0x304000
                  mov 0x303000, %rax
                  movq $0x304007, 0x13000 + 0x303 * 8
                  invlpg 0x303000
                  mov 0x303000, %rbx
                  movq $0x303007, 0x13000 + 0x303 * 8
                  mov %cr3, %rcx
                  mov %rcx, %cr3
                  mov 0x303000, %rdx
                  hlt
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals(0x1111, rig.m.cpu.reg(Cpu.RAX));
        assertEquals(0x2222, rig.m.cpu.reg(Cpu.RBX));
        assertEquals(0x1111, rig.m.cpu.reg(Cpu.RDX));
    }
}
