package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exceptions delivered through the IDT: #UD (precise, resumable), INT3 traps, #DE, #GP, triple fault, CPL changes. */
class ExceptionTest {
    /** A handler that logs (vector, error or -1, saved RIP) and resumes at %r15, or past the instruction if r15 = 0. */
    static final String LOGGING = """
            log_n: .quad 0
            log: .skip 256
            .macro STUB vec, err
            stub\\vec:
              .if \\err == 0
              push $-1
              .endif
              push $\\vec
              jmp common
            .endm
            STUB 0, 0
            STUB 3, 0
            STUB 6, 0
            STUB 13, 1
            common:
              push %rax
              push %rcx
              push %rdx
              mov log_n(%rip), %rcx
              lea log(%rip), %rdx
              mov 24(%rsp), %rax
              mov %rax, (%rdx,%rcx,8)
              mov 32(%rsp), %rax
              mov %rax, 8(%rdx,%rcx,8)
              mov 40(%rsp), %rax
              mov %rax, 16(%rdx,%rcx,8)
              add $3, %rcx
              mov %rcx, log_n(%rip)
              test %r15, %r15
              jz 1f
              mov %r15, 40(%rsp)
            1:
              pop %rdx
              pop %rcx
              pop %rax
              add $16, %rsp
              iretq
            install:
              push %rbx
              mov $0, %edi
              lea stub0(%rip), %rsi
              mov $0x8E, %edx
              xor %ecx, %ecx
              call set_gate
              mov $3, %edi
              lea stub3(%rip), %rsi
              mov $0xEE, %edx
              xor %ecx, %ecx
              call set_gate
              mov $6, %edi
              lea stub6(%rip), %rsi
              mov $0x8E, %edx
              xor %ecx, %ecx
              call set_gate
              mov $13, %edi
              lea stub13(%rip), %rsi
              mov $0x8E, %edx
              xor %ecx, %ecx
              call set_gate
              pop %rbx
              ret
            """;

    static long[] log(LongModeRig rig, String prog) {
        long n = rig.m.mem.readLong(LongModeRig.symbol(prog, "log_n"));
        long base = LongModeRig.symbol(prog, "log");
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = rig.m.mem.readLong(base + 8L * i);
        }
        return out;
    }

    @Test
    void unimplementedOpcodeIsUdInTheGuestReportedOnceAndResumable() {
        String prog = LOGGING + """
                main:
                  call install
                  mov $2, %ebx
                again:
                  lea 1f(%rip), %r15
                sse:
                  pxor %mm0, %mm0            # MMX is not implemented: #UD, resume at 1f
                1:
                  lea 2f(%rip), %r15
                bad:
                  ud2                        # a defined #UD: precise RIP
                2:
                  xor %r15, %r15
                brk:
                  int3                       # a trap: the saved RIP is past it
                  dec %ebx
                  jnz again
                  mov $'k', %al
                  call putc
                  hlt
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals("k", rig.m.out());
        long sse = LongModeRig.symbol(prog, "sse");
        long bad = LongModeRig.symbol(prog, "bad");
        long brk = LongModeRig.symbol(prog, "brk");
        long[] log = log(rig, prog);
        assertArrayEquals(new long[] {6, -1, sse, 6, -1, bad, 3, -1, brk + 1, 6, -1, sse, 6, -1, bad, 3, -1, brk + 1}, log);
        assertEquals(java.util.List.of(sse), rig.m.platform.unimplementedRips, "reported once per RIP");
        assertArrayEquals(new byte[] {0x0F, (byte) 0xEF, (byte) 0xC0}, java.util.Arrays.copyOf(rig.m.platform.unimplementedBytes.get(0), 3));
        assertEquals(4, rig.m.cpu.undefinedOpcodeCount());
    }

    @Test
    void divideErrorAndGeneralProtection() {
        String prog = LOGGING + """
                main:
                  call install
                  lea 1f(%rip), %r15
                  xor %ecx, %ecx
                div0:
                  div %rcx
                1:
                  lea 2f(%rip), %r15
                  movabs $0x8000000000000000, %rax
                gp:
                  mov (%rax), %rbx           # non-canonical: #GP(0)
                2:
                  lea 3f(%rip), %r15
                  mov $0x100, %ax
                  mov $0, %cl
                div8:
                  div %cl
                3:
                  mov $0x7FFF, %ax
                  mov $-1, %dl
                  mov $0x80, %al
                  mov $0xFF, %ah             # AX = 0xFF80 = -128
                  mov $-1, %cl
                  lea 4f(%rip), %r15
                idiv8:
                  idiv %cl                   # -128 / -1 = 128 does not fit: #DE
                4:
                  hlt
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertArrayEquals(new long[] {0, -1, LongModeRig.symbol(prog, "div0"), 13, 0, LongModeRig.symbol(prog, "gp"),
                0, -1, LongModeRig.symbol(prog, "div8"), 0, -1, LongModeRig.symbol(prog, "idiv8")}, log(rig, prog));
    }

    @Test
    void tripleFaultIsAnExitWithTheChain() {
        String prog = """
                main:
                  lidt empty(%rip)
                  int3                      # no IDT: #GP -> #DF -> triple fault
                  hlt
                empty: .word 0
                  .quad 0
                """;
        LongModeRig rig = LongModeRig.create(prog);
        assertEquals(ExitReason.TRIPLE_FAULT, rig.m.run());
        String f = rig.m.cpu.failure();
        assertTrue(f.contains("triple fault"), f);
        assertTrue(f.contains("#GP") && f.contains("#DF"), f);
        assertTrue(f.contains(Long.toHexString(LongModeRig.symbol(prog, "main") + 7)), f);
        assertEquals(ExitReason.TRIPLE_FAULT, rig.m.cpu.run(), "stays dead until reset");
    }

    @Test
    void userModeSyscallSysretAndInterruptWithStackSwitch() {
        // To CPL 3 with IRETQ; user code does SYSCALL (kernel returns with SYSRETQ), then INT 0x80 through a
        // DPL-3 gate (stack from TSS.RSP0), then INT 0x81 through a gate with IST 1, then HLT, which is #GP at CPL 3.
        String prog = LOGGING + """
                main:
                  call install
                  mov $0x80, %edi
                  lea int80(%rip), %rsi
                  mov $0xEE, %edx
                  xor %ecx, %ecx
                  call set_gate
                  mov $0x81, %edi
                  lea int80(%rip), %rsi
                  mov $0xEE, %edx
                  mov $1, %ecx
                  call set_gate
                  mov $0xC0000081, %ecx      # STAR: kernel CS 0x08, user base 0x10 (SS 0x1B, CS 0x23)
                  xor %eax, %eax
                  mov $0x00100008, %edx
                  wrmsr
                  mov $0xC0000082, %ecx      # LSTAR
                  lea sys(%rip), %rax
                  mov %rax, %rdx
                  shr $32, %rdx
                  wrmsr
                  mov $0xC0000084, %ecx      # SFMASK: clear IF
                  mov $0x200, %eax
                  xor %edx, %edx
                  wrmsr
                  mov $0x28, %ax
                  ltr %ax
                  push $0x1B                 # SS
                  push $0x1F0000             # RSP (user, identity-mapped with U=1)
                  push $0x202                # RFLAGS with IF
                  push $0x23                 # CS
                  lea user(%rip), %rax
                  push %rax
                  iretq
                sys:
                  mov %rsp, %r14             # the user RSP is untouched by SYSCALL
                  mov %r11, %r13             # saved RFLAGS
                  mov $'s', %al
                  out %al, $0xe9
                  sysretq
                int80:
                  mov %rsp, %r12             # where the CPU put the frame
                  mov 8(%rsp), %r11          # CS pushed
                  mov $'i', %al
                  out %al, $0xe9
                  iretq
                user:
                  mov $42, %ebx
                  syscall
                  mov %cs, %r10
                  int $0x80
                  mov %r12, %r9
                  int $0x81
                  xor %r15, %r15
                  lea 1f(%rip), %r15
                  hlt                        # privileged: #GP(0)
                1:
                  jmp 1b
                """;
        LongModeRig rig = LongModeRig.create(prog);
        // Run until the user loop: a budget of runs via attention from a timer is not needed, it spins at 1b;
        // stop after the #GP is logged.
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            rig.m.cpu.requestAttention();
        });
        t.start();
        assertEquals(ExitReason.ATTENTION, rig.m.cpu.run(), () -> rig.m.cpu.failure() + " log " + java.util.Arrays.toString(
                java.util.Arrays.copyOf(log(rig, prog), 12)) + " out " + rig.m.out());
        Cpu c = rig.m.cpu;
        assertEquals("sii", rig.m.out());
        assertEquals(3, c.cpl());
        assertEquals(0x1F0000, c.reg(14), "user RSP seen in the SYSCALL handler");
        assertEquals(0x202, c.reg(13) & 0x202, "SYSCALL saved RFLAGS in R11");
        assertEquals(0x23, c.reg(10), "CS after SYSRETQ");
        assertEquals(0x23, c.reg(11) & 0xFFFF, "user CS in the INT 0x80 frame");
        assertEquals(LongModeRig.RSP0 - 40, c.reg(9), "INT 0x80 frame on TSS.RSP0");
        assertEquals(LongModeRig.IST1 - 40, c.reg(12), "INT 0x81 frame on IST1");
        long[] log = log(rig, prog);
        assertEquals(13, log[0]);
        assertEquals(0, log[1]);
    }
}
