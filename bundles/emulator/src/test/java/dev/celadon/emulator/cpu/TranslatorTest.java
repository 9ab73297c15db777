package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The translator tier against the interpreter (the reference): the same guest programs end in the same
 * registers, flags, memory and instruction counts; faults inside translated blocks are precise; patched code
 * drops its translation; translations stay within their budget and their classes are unloaded.
 */
class TranslatorTest {
    /** Many integer forms in all operand sizes, in a loop long enough to be translated at the default threshold. */
    static final String MIX = """
            main:
              mov $300, %r15
              mov $0x200000, %rsi
              mov $0x123456789abcdef0, %rax
              mov $0x0fedcba987654321, %rbx
              xor %ecx, %ecx
              xor %edx, %edx
            1:
              add %rax, %rbx
              adc $7, %rcx
              sub %ebx, %eax
              sbb %dx, %cx
              and $0xfff0ff, %ebx
              or %rcx, %rdx
              xor %al, %bh
              add %ah, %dl
              cmp $0x80, %al
              setb %r8b
              setle %ah
              cmovs %rbx, %r9
              cmovz %ecx, %r10d
              test %r8b, %r8b
              sete %r11b
              movzbl %bh, %edx
              movzbl %cl, %r12d
              movsbq %dl, %r13
              movswl %cx, %r14d
              movslq %eax, %rdi
              lea 3(%rax,%rbx,4), %rbp
              lea -8(%rip), %r8
              lea (%ebx,%ecx,2), %r9d
              mov %rax, (%rsi)
              mov %ebx, 8(%rsi,%r15,8)
              mov %cx, 16(%rsi)
              mov %dl, 18(%rsi)
              movb $0x5a, 19(%rsi)
              movl $-3, 20(%rsi)
              add (%rsi), %rbx
              sub 8(%rsi,%r15,8), %eax
              xor %r13, 16(%rsi)
              addl $0x11, 20(%rsi)
              cmpq $0, 24(%rsi)
              incl 24(%rsi)
              decw 26(%rsi)
              inc %r12
              dec %r13d
              shl $3, %rax
              shr $5, %ebx
              sar $1, %cx
              sar $7, %r9
              rol $13, %rdx
              shl %cl, %r14
              imul %rbx, %rax
              imul $37, %ecx, %edx
              neg %r10
              not %r11w
              push %rax
              push $-5
              pushw $7
              popw %r8w
              pop %r9
              pop %r10
              call f
              call g
              test $1, %r15b
              jnz 2f
              add $1, %rdx
            2:
              cmp %rbx, %rax
              ja 3f
              inc %rbp
            3:
              cmp %ebx, %eax
              jl 4f
              add $2, %rbp
            4:
              test %rax, %rax
              js 5f
              add $4, %rbp
            5:
              add %rbx, %rcx
              jc 6f
              add $8, %rbp
            6:
              add %ebx, %ecx
              jo 7f
              add $16, %rbp
            7:
              dec %r15
              jnz 1b
              hlt
            f:
              add %rbp, %rdi
              ret
            g:
              push %rbx
              mov $3, %ebx
              xor %rbx, %rsi
              xor %rbx, %rsi
              pop %rbx
              ret
            """;

    record State(long[] regs, long rflags, long rip, long retired, byte[] memory) {
    }

    static State run(String program, Tier tier, int threshold) {
        LongModeRig rig = LongModeRig.create(program, tier);
        rig.m.cpu.setTranslationThreshold(threshold);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        long[] regs = new long[16];
        for (int i = 0; i < 16; i++) {
            regs[i] = rig.m.cpu.reg(i);
        }
        if (tier == Tier.TRANSLATOR) {
            String s = rig.m.cpu.translationStatistics();
            assertTrue(s.contains(" failed=0 "), s);
            assertTrue(!s.startsWith("translated=0 "), s);
        }
        return new State(regs, rig.m.cpu.rflags(), rig.m.cpu.rip(), rig.m.cpu.instructionsRetired(),
                rig.m.mem.read(0x200000, 0x1000));
    }

    static void assertSame(State want, State got) {
        for (int i = 0; i < 16; i++) {
            assertEquals(want.regs()[i], got.regs()[i], "register " + i);
        }
        assertEquals(want.rflags(), got.rflags(), "rflags");
        assertEquals(want.rip(), got.rip(), "rip");
        assertEquals(want.retired(), got.retired(), "instructions retired");
        assertArrayEquals(want.memory(), got.memory(), "memory");
    }

    @Test
    void everySampleEncodingNamesItsHandler() {
        assertEquals(ExecForms.probes(), ExecForms.resolved(), "sample encodings that resolved");
    }

    @Test
    void translatedCodeEndsInTheInterpretersState() {
        State ref = run(MIX, Tier.INTERPRETER, 0);
        assertTrue(ref.retired() > 300 * 80, "the loop ran: " + ref.retired());
        assertSame(ref, run(MIX, Tier.TRANSLATOR, 0));
        assertSame(ref, run(MIX, Tier.TRANSLATOR, Tier.DEFAULT_THRESHOLD));
    }

    /** A #PF in the middle of a translated block: the handler sees the registers as of the faulting store. */
    @Test
    void aFaultInsideATranslatedBlockIsPrecise() {
        String prog = """
                main:
                  mov $14, %edi
                  lea pf(%rip), %rsi
                  mov $0x8E, %edx
                  xor %ecx, %ecx
                  call set_gate
                  mov $0x300000, %rdi
                  mov $1, %rbx
                  jmp 1f
                1:
                  add $5, %rbx
                  mov %rbx, %rcx
                  shl $2, %rcx
                store:
                  mov %rcx, 8(%rdi)
                  mov $7, %rbx
                  hlt
                pf:
                  pop %rax
                  mov %rbx, 0x1F0000
                  mov %rcx, 0x1F0008
                  mov (%rsp), %rax
                  mov %rax, 0x1F0010
                  movq $0x380007, 0x13000 + 0x300 * 8
                  iretq
                """;
        long store = LongModeRig.symbol(prog, "store");
        long[] retired = new long[2];
        for (Tier tier : Tier.values()) {
            LongModeRig rig = LongModeRig.create(prog, tier);
            rig.m.cpu.setTranslationThreshold(0);
            rig.setPte(0x300000, 0);
            assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
            assertEquals(6, rig.m.mem.readLong(0x1F0000), tier + ": RBX at the fault");
            assertEquals(24, rig.m.mem.readLong(0x1F0008), tier + ": RCX at the fault");
            assertEquals(store, rig.m.mem.readLong(0x1F0010), tier + ": the faulting RIP");
            assertEquals(24, rig.m.mem.readLong(0x380008), tier + ": the store restarted");
            assertEquals(7, rig.m.cpu.reg(Cpu.RBX));
            retired[tier.ordinal()] = rig.m.cpu.instructionsRetired();
        }
        assertEquals(retired[0], retired[1], "instructions retired");
    }

    /** A function translated after many calls, then patched: the next call runs the new bytes. */
    @Test
    void patchedCodeDropsItsTranslation() {
        String prog = """
                main:
                  mov $200, %r12
                  xor %r13d, %r13d
                1:
                  call f
                  add %rax, %r13
                  dec %r12
                  jnz 1b
                  movb $9, f+1(%rip)
                  call f
                  mov %rax, %r14
                  hlt
                .align 64
                f:
                  mov $1, %eax
                  ret
                """;
        LongModeRig rig = LongModeRig.create(prog, Tier.TRANSLATOR);
        rig.m.cpu.setTranslationThreshold(10);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals(200, rig.m.cpu.reg(13));
        assertEquals(9, rig.m.cpu.reg(14));
        assertTrue(rig.m.cpu.translationStatistics().startsWith("translated="), rig.m.cpu.translationStatistics());
        assertTrue(rig.m.cpu.translations.translated >= 2, rig.m.cpu.translationStatistics());
    }

    /** 64 distinct blocks run over and over with room for 8 translations: the oldest are evicted and unloaded. */
    @Test
    void translationsStayWithinTheirBudgetAndAreUnloaded() {
        StringBuilder p = new StringBuilder("main:\n  mov $20, %r12\n1:\n");
        for (int i = 0; i < 64; i++) {
            p.append("  add $").append(i).append(", %rax\n  jmp 2f\n2:\n");
        }
        p.append("  dec %r12\n  jnz 1b\n  hlt\n");
        State ref = run(p.toString(), Tier.INTERPRETER, 0);
        LongModeRig rig = LongModeRig.create(p.toString(), Tier.TRANSLATOR);
        rig.m.cpu.setTranslationThreshold(0);
        rig.m.cpu.translations.setBudget(8, 1 << 20);
        assertEquals(ExitReason.HALT, rig.m.run(), () -> rig.m.cpu.failure());
        assertEquals(ref.regs()[0], rig.m.cpu.reg(0));
        assertEquals(ref.retired(), rig.m.cpu.instructionsRetired());
        TranslationCache t = rig.m.cpu.translations;
        assertTrue(t.size() <= 8, "live " + t.size());
        assertTrue(t.evicted > 64, "evicted " + t.evicted);
        List<WeakReference<Class<?>>> classes = new ArrayList<>();
        for (Translated x : t.liveTranslations()) {
            classes.add(new WeakReference<>(x.getClass()));
            assertTrue(x.getClass().isHidden());
        }
        t.clear();
        assertEquals(0, t.bytes());
        for (int i = 0; i < 20 && classes.stream().anyMatch(w -> w.get() != null); i++) {
            System.gc();
        }
        assertTrue(classes.stream().allMatch(w -> w.get() == null), "translated classes unloaded after eviction");
    }
}
