package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FPU/SSE control semantics a kernel relies on, on the emulator: CR4.OSFXSR (#UD for SSE, FXSAVE still
 * works), CR0.TS (#NM for x87, SSE and FXSAVE; lazy FPU switching), CR0.MP with FWAIT, CLTS, CR0.EM (#UD for SSE,
 * #NM for x87), alignment #GP for MOVDQA/packed memory operands/FXSAVE, #GP for reserved MXCSR bits (DAZ is not
 * implemented), and an unmasked SIMD exception: #XM with CR4.OSXMMEXCPT, #UD without, destination unchanged.
 */
class FpuControlTest {
    static final String PROG = """
            log_n: .quad 0
            log: .skip 512
            tmp: .quad 0
            res: .quad 0, 0
            .align 16
            area: .skip 1024
            .macro STUB vec, err
            stub\\vec:
              .if \\err == 0
              push $-1
              .endif
              push $\\vec
              jmp common
            .endm
            STUB 6, 0
            STUB 7, 0
            STUB 13, 1
            STUB 19, 0
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
              add $2, %rcx
              mov %rcx, log_n(%rip)
              mov %r15, 40(%rsp)
              pop %rdx
              pop %rcx
              pop %rax
              add $16, %rsp
              iretq
            .macro GATE vec
              mov $\\vec, %edi
              lea stub\\vec(%rip), %rsi
              mov $0x8E, %edx
              xor %ecx, %ecx
              call set_gate
            .endm
            .macro TRY insn:vararg
              lea 9f(%rip), %r15
              \\insn
            9:
            .endm
            .macro CR0 op, bits
              mov %cr0, %rax
              \\op \\bits, %rax
              mov %rax, %cr0
            .endm
            main:
              GATE 6
              GATE 7
              GATE 13
              GATE 19
              mov %cr4, %rax
              and $~0x600, %rax
              mov %rax, %cr4
              CR0 and, $~0xE
              TRY pxor %xmm0, %xmm0                 # OSFXSR clear: #UD
              TRY fxsave area(%rip)                 # FXSAVE works without OSFXSR
              mov %cr4, %rax
              or $0x600, %rax
              mov %rax, %cr4
              TRY pxor %xmm0, %xmm0                 # enabled: no fault
              CR0 or, $8                            # TS
              TRY fninit                            # #NM
              TRY addsd %xmm1, %xmm0                # #NM
              TRY fxsave area(%rip)                 # #NM
              TRY fwait                             # MP clear: no fault
              CR0 or, $2                            # MP
              TRY fwait                             # #NM
              clts
              TRY fwait                             # no fault
              TRY fninit                            # no fault
              CR0 or, $4                            # EM
              TRY movaps %xmm0, %xmm1               # #UD
              TRY fld1                              # #NM
              TRY fxsave area(%rip)                 # #NM
              CR0 and, $~4
              TRY movdqa area+8(%rip), %xmm0        # #GP(0)
              TRY movdqu area+8(%rip), %xmm0        # no fault
              TRY pcmpeqb area+4(%rip), %xmm0       # #GP(0)
              TRY movaps %xmm0, area+12(%rip)       # #GP(0)
              TRY fxsave area+8(%rip)               # #GP(0)
              TRY fxrstor area+16(%rip)             # no fault (the image saved above is valid)
              movl $0x11f80, tmp(%rip)
              TRY ldmxcsr tmp(%rip)                 # reserved bit: #GP(0)
              movl $0x1fc0, tmp(%rip)
              TRY ldmxcsr tmp(%rip)                 # DAZ: not implemented, #GP(0)
              movl $0x1d80, tmp(%rip)               # ZM clear
              ldmxcsr tmp(%rip)
              xorpd %xmm1, %xmm1
              mov $3, %eax
              cvtsi2sd %eax, %xmm0
              TRY divsd %xmm1, %xmm0                # #XM
              movq %xmm0, res(%rip)
              stmxcsr res+8(%rip)
              mov %cr4, %rax
              and $~0x400, %rax
              mov %rax, %cr4
              TRY divsd %xmm1, %xmm0                # without OSXMMEXCPT: #UD
              hlt
            """;

    @Test
    void controlRegistersGateTheFpuAndSse() {
        LongModeRig rig = LongModeRig.create(PROG);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        long n = rig.m.mem.readLong(LongModeRig.symbol(PROG, "log_n"));
        long base = LongModeRig.symbol(PROG, "log");
        long[] log = new long[(int) n];
        for (int i = 0; i < n; i++) {
            log[i] = rig.m.mem.readLong(base + 8L * i);
        }
        assertArrayEquals(new long[] {6, -1, 7, -1, 7, -1, 7, -1, 7, -1, 6, -1, 7, -1, 7, -1, 13, 0, 13, 0, 13, 0,
                13, 0, 13, 0, 13, 0, 19, -1, 6, -1}, log);
        long res = LongModeRig.symbol(PROG, "res");
        assertEquals(3.0, Double.longBitsToDouble(rig.m.mem.readLong(res)), "the destination is unchanged by #XM");
        assertEquals(0x1d84, rig.m.mem.readLong(res + 8) & 0xFFFF_FFFFL, "ZE is set in MXCSR");
    }

    /** FXSAVE, FXSAVE64, FNSTENV, FNSTSW/FNSTCW images and an FXRSTOR round trip, compared byte for byte with the host. */
    @Test
    void fxsaveImageMatchesTheHost() throws Exception {
        String fn = """
                cases:
                  fninit
                  movl $0x0e7f, -4(%rsp)
                  fldcw -4(%rsp)
                  fldpi
                  fld1
                  movl $-7, -4(%rsp)
                  fildl -4(%rsp)
                  fldz
                  fld %st(2)
                  fxch %st(3)
                  fchs
                  lea consts(%rip), %rsi
                  movdqu (%rsi), %xmm0
                  movdqu 16(%rsi), %xmm1
                  movdqu 32(%rsi), %xmm2
                  movdqu 48(%rsi), %xmm3
                  pshufd $0x1b, %xmm0, %xmm4
                  pshufd $0x4e, %xmm1, %xmm5
                  movdqa %xmm1, %xmm6
                  pxor %xmm2, %xmm6
                  movdqa %xmm0, %xmm7
                  paddq %xmm3, %xmm7
                  movdqa %xmm0, %xmm8
                  movdqa %xmm1, %xmm9
                  movdqa %xmm2, %xmm10
                  movdqa %xmm3, %xmm11
                  pcmpeqb %xmm12, %xmm12
                  pxor %xmm13, %xmm13
                  movdqa %xmm3, %xmm14
                  punpcklbw %xmm0, %xmm14
                  movdqa %xmm2, %xmm15
                  psubd %xmm1, %xmm15
                  movl $0x3fa1, -4(%rsp)
                  ldmxcsr -4(%rsp)
                  fxsave (%rdi)
                  fxsave64 512(%rdi)
                  fnstenv 1024(%rdi)
                  fnstsw 1056(%rdi)
                  fnstcw 1058(%rdi)
                  fldcw (%rdi)
                  fxsave 1536(%rdi)
                  movb $0x0f, 1540(%rdi)
                  movw $0x037f, 1536(%rdi)
                  movl $0x1f80, 1560(%rdi)
                  fxrstor 1536(%rdi)
                  fxsave 2048(%rdi)
                  fninit
                  movl $0x1f80, -4(%rsp)
                  ldmxcsr -4(%rsp)
                  ret
                .align 16
                consts:
                  .quad 0x0123456789abcdef, 0xfedcba9876543210, 0x8000000000000001, 0x7fffffffffffffff
                  .quad 0x1111222233334444, 0x5555666677778888, 0xdeadbeefcafebabe, 0x0f0f0f0ff0f0f0f0
                """;
        HostRun r = HostRun.run(fn, 2560);
        // Not compared: FOP, FIP, FCS, FDP, FDS (addresses differ), MXCSR_MASK (the host's has DAZ).
        boolean[] skip = new boolean[2560];
        for (int base : new int[] {0, 512, 1536, 2048}) {
            for (int i = 6; i < 24; i++) {
                skip[base + i] = true;
            }
            for (int i = 28; i < 32; i++) {
                skip[base + i] = true;
            }
        }
        for (int i = 1024 + 12; i < 1024 + 28; i++) {
            skip[i] = true;
        }
        StringBuilder diff = new StringBuilder();
        for (int i = 0; i < 2560; i++) {
            if (!skip[i] && r.host[i] != r.emu[i]) {
                diff.append(String.format(" @%d host %02x emu %02x;", i, r.host[i] & 0xFF, r.emu[i] & 0xFF));
            }
        }
        assertTrue(diff.length() == 0, diff.toString());
        ByteBuffer e = ByteBuffer.wrap(r.emu).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xFFBF, e.getInt(28), "MXCSR_MASK");
        assertEquals(0x3fa1, e.getInt(24), "MXCSR");
        assertEquals(0x1f80, e.getInt(2048 + 24), "MXCSR from FXRSTOR");
        assertEquals(0x0f, e.get(2048 + 4), "abridged tag from FXRSTOR");
        // the non-64-bit form stores FCS; the 64-bit form FIP[63:32] there: both images name the code segment or RIP
        assertTrue(e.getLong(512 + 8) != 0, "FXSAVE64 stores the 64-bit FIP");
    }
}
