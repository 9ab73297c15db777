package dev.celadon.emulator.cpu.difftest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The oracle against results known without it: the host CPU must say what the manuals say. */
class NativeOracleTest {
    static NativeOracle oracle;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")) && "Linux".equals(System.getProperty("os.name")),
                "the oracle runs x86-64 code natively on Linux");
        oracle = NativeOracle.start(Path.of("target/difftest"));
    }

    @AfterAll
    static void stop() throws Exception {
        oracle.close();
    }

    static TestCase tc(long rflags, byte[] code, long... regs) {
        long[] r = new long[16];
        System.arraycopy(regs, 0, r, 0, regs.length);
        return new TestCase("t", code, code, "", r, rflags, 7, List.of(), Flags.USER, 0);
    }

    static byte[] b(int... x) {
        byte[] r = new byte[x.length];
        for (int i = 0; i < x.length; i++) r[i] = (byte) x[i];
        return r;
    }

    @Test
    void addsAndSetsFlags() throws Exception {
        // add rax, rbx (48 01 d8): 2 + 2, then -1 + 1 (CF ZF PF AF), then 0x7f..f + 1 (OF SF AF PF)
        List<Outcome> o = oracle.run(List.of(
                tc(0, b(0x48, 0x01, 0xd8), 2, 0, 0, 2),
                tc(0, b(0x48, 0x01, 0xd8), -1, 0, 0, 1),
                tc(0, b(0x48, 0x01, 0xd8), Long.MAX_VALUE, 0, 0, 1)));
        assertEquals(4, o.get(0).regs()[0]);
        assertEquals(0, o.get(0).rflags() & Flags.ARITH);
        assertEquals(0, o.get(1).regs()[0]);
        assertEquals(Flags.CF | Flags.ZF | Flags.PF | Flags.AF, o.get(1).rflags() & Flags.ARITH);
        assertEquals(Flags.OF | Flags.SF | Flags.AF | Flags.PF, o.get(2).rflags() & Flags.ARITH);
        assertEquals(CaseLayout.CODE_BASE + 3, o.get(0).rip());
        assertEquals(Outcome.Status.COMPLETED, o.get(0).status());
    }

    @Test
    void flagsGoInAndComeOut() throws Exception {
        // nop: every user flag set on entry comes back; DF too (the oracle clears it only after saving)
        Outcome o = oracle.run(List.of(tc(Flags.USER, b(0x90)))).get(0);
        assertEquals(Flags.USER, o.rflags() & Flags.USER);
    }

    @Test
    void divideByZeroIsDe() throws Exception {
        // div rcx (48 f7 f1) with rcx = 0: #DE at the instruction, registers untouched
        Outcome o = oracle.run(List.of(tc(0, b(0x48, 0xf7, 0xf1), 5, 0, 0))).get(0);
        assertEquals(Outcome.Status.EXCEPTION, o.status());
        assertEquals(0, o.vector());
        assertEquals(CaseLayout.CODE_BASE, o.rip());
        assertEquals(5, o.regs()[0]);
    }

    @Test
    void storesShowInTheDiffAndFaultsPastTheEnd() throws Exception {
        // mov [rdi], rax (48 89 07): in the buffer, then across its end (#PF, cr2 = the first unmapped byte)
        long v = 0x1122334455667788L;
        List<Outcome> o = oracle.run(List.of(
                tc(0, b(0x48, 0x89, 0x07), v, 0, 0, 0, 0, 0, 0, CaseLayout.DATA_BASE + 0x10),
                tc(0, b(0x48, 0x89, 0x07), v, 0, 0, 0, 0, 0, 0, CaseLayout.DATA_END - 4)));
        assertEquals(List.of(new MemoryRun(0x10, b(0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11))), o.get(0).memory());
        assertEquals(14, o.get(1).vector());
        assertEquals(CaseLayout.DATA_END, o.get(1).cr2());
    }

    @Test
    void theBufferIsTheSeededFill() throws Exception {
        // mov rax, [rdi] reads what CaseLayout.fill computes in Java, and a patch on top of it
        TestCase c = new TestCase("t", b(0x48, 0x8b, 0x07), b(0x48, 0x8b, 0x07), "",
                new long[] {0, 0, 0, 0, 0, 0, 0, CaseLayout.DATA_BASE + 0x100, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 1234,
                List.of(new MemoryRun(0x102, b(0xAB))), Flags.USER, 0);
        byte[] want = c.initialMemory();
        long expect = 0;
        for (int k = 7; k >= 0; k--) expect = expect << 8 | (want[0x100 + k] & 0xFF);
        assertEquals(0xAB, (expect >>> 16) & 0xFF);
        assertEquals(expect, oracle.run(List.of(c)).get(0).regs()[0]);
    }

    @Test
    void bsfOfZeroLeavesTheDestination() throws Exception {
        // bsf rax, rbx (48 0f bc c3) with rbx = 0: ZF=1, RAX unchanged (AMD; what the F3 forms rely on)
        Outcome o = oracle.run(List.of(tc(0, b(0x48, 0x0f, 0xbc, 0xc3), 0x1234, 0, 0, 0))).get(0);
        assertEquals(0x1234, o.regs()[0]);
        assertTrue((o.rflags() & Flags.ZF) != 0);
    }

    @Test
    void manyCasesPerSecond() throws Exception {
        List<Form> forms = Forms.all();
        List<TestCase> cs = new java.util.ArrayList<>();
        for (int k = 0; k < 20000; k++) cs.add(Difftest.generate(forms.get(k % forms.size()), 3, k));
        long t0 = System.nanoTime();
        List<Outcome> o = oracle.run(cs);
        double rate = cs.size() / ((System.nanoTime() - t0) / 1e9);
        assertEquals(cs.size(), o.size());
        assertTrue(rate > 10_000, "oracle ran " + (int) rate + " cases/s");
        for (Outcome x : o) assertTrue(x.status() != Outcome.Status.TIMEOUT);
        // the same cases again give the same answers (no state leaks between cases)
        List<Outcome> again = oracle.run(cs);
        for (int i = 0; i < cs.size(); i++) {
            assertArrayEquals(o.get(i).regs(), again.get(i).regs(), cs.get(i).form());
            assertEquals(o.get(i).memory(), again.get(i).memory(), cs.get(i).form());
        }
    }
}
