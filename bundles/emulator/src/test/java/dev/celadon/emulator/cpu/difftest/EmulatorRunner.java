package dev.celadon.emulator.cpu.difftest;

import dev.celadon.emulator.cpu.Cpu;
import dev.celadon.emulator.cpu.CpuPlatform;
import dev.celadon.emulator.cpu.ExitReason;
import dev.celadon.emulator.cpu.PhysicalMemory;
import dev.celadon.emulator.cpu.Segment;
import dev.celadon.emulator.cpu.Tier;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

/**
 * Runs cases on the emulator's {@link Cpu} in a minimal long-mode machine built to look, from the case's
 * point of view, like the oracle's process: the data buffer and the code page at the same virtual addresses
 * (identity-mapped, user pages, nothing mapped around them), CPL 3 with flat 64-bit segments.
 *
 * <p>The system area (supervisor pages at {@link #SYS}): page tables, a GDT, an IDT whose 256 interrupt gates
 * all use IST 1 (the case's RSP may be anything, so no exception may be delivered on it), a TSS, and one HLT
 * per vector as the handler. A fault therefore ends in HLT at CPL 0, {@code run()} returns HALT, and the
 * vector is told by where it halted; the faulting RIP, RSP, RFLAGS and error code are read from the frame on
 * the IST stack. The case's own end is a HLT too: at CPL 3 that is #GP(0) with RIP at the end of the code,
 * which is how a completed case is recognised.
 */
public final class EmulatorRunner implements CaseRunner, CpuPlatform {
    static final long SYS = 0x0020_0000L;
    static final long PML4 = SYS, PDPT = SYS + 0x1000, PD = SYS + 0x2000, PT_DATA = SYS + 0x3000, PT_SYS = SYS + 0x4000;
    static final long GDT = SYS + 0x5000, IDT = SYS + 0x6000, TSS = SYS + 0x7000, HANDLERS = SYS + 0x8000;
    static final long IST_TOP = SYS + 0xA000;
    static final int SYS_SIZE = 0x10000;

    static final int KERNEL_CS = 0x08, KERNEL_DS = 0x10, USER_DS = 0x1B, USER_CS = 0x23, TSS_SEL = 0x28;
    static final long CR0_PE = 1, CR0_ET = 1 << 4, CR0_NE = 1 << 5, CR0_WP = 1 << 16, CR0_PG = 1L << 31;
    static final long CR4_PAE = 1 << 5;
    static final long EFER_LME = 1 << 8, EFER_LMA = 1 << 10;
    /** Vectors whose frame carries an error code. */
    static final long ERROR_CODE_VECTORS = 1L << 8 | 1L << 10 | 1L << 11 | 1L << 12 | 1L << 13 | 1L << 14 | 1L << 17 | 1L << 21;

    private final PhysicalMemory mem;
    private final Cpu cpu;
    private final byte[] cc = new byte[CaseLayout.CODE_SIZE];
    private int lastCode;
    private String unimplemented;
    private volatile long caseSeq;
    private volatile long caseStart;
    /** The thread running cases: the watchdog measures its CPU time, so GC pauses (class unloading after
     *  the translator's many hidden classes) do not count as a case running too long. */
    private volatile long caseThread = -1;
    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
    private final Thread watchdog;
    private volatile boolean closed;

    public EmulatorRunner() {
        this(Tier.fromSystemProperty());
    }

    /**
     * On the translator tier every block is translated at its first run (threshold 0): a case runs its code
     * once, and the translated code is what is compared with the host.
     */
    public EmulatorRunner(Tier tier) {
        mem = new PhysicalMemory(List.of(
                new PhysicalMemory.Region(SYS, ByteBuffer.allocateDirect(SYS_SIZE)),
                new PhysicalMemory.Region(CaseLayout.DATA_BASE, ByteBuffer.allocateDirect(CaseLayout.DATA_SIZE)),
                new PhysicalMemory.Region(CaseLayout.CODE_BASE, ByteBuffer.allocateDirect(CaseLayout.CODE_SIZE))));
        java.util.Arrays.fill(cc, (byte) 0xCC);
        mem.write(CaseLayout.CODE_BASE, cc);
        buildSystemArea();
        cpu = new Cpu(0, mem, this, tier);
        cpu.setTranslationThreshold(0);
        enterLongMode();
        watchdog = new Thread(this::watch, "difftest-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void buildSystemArea() {
        ByteBuffer b = ByteBuffer.allocate(SYS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long p = 1, rw = 2, us = 4;
        b.putLong((int) (PML4 - SYS), PDPT | p | rw | us);
        b.putLong((int) (PDPT - SYS), PD | p | rw | us);
        b.putLong((int) (PD - SYS) + 8 * (int) (SYS >>> 21), PT_SYS | p | rw | us);
        b.putLong((int) (PD - SYS) + 8 * (int) (CaseLayout.DATA_BASE >>> 21), PT_DATA | p | rw | us);
        for (int i = 0; i < SYS_SIZE / 4096; i++) b.putLong((int) (PT_SYS - SYS) + 8 * i, SYS + 4096L * i | p | rw);
        for (long a = CaseLayout.DATA_BASE; a < CaseLayout.DATA_END; a += 4096)
            b.putLong((int) (PT_DATA - SYS) + 8 * (int) ((a >>> 12) & 511), a | p | rw | us);
        b.putLong((int) (PT_DATA - SYS) + 8 * (int) ((CaseLayout.CODE_BASE >>> 12) & 511), CaseLayout.CODE_BASE | p | rw | us);
        // GDT: null, kernel code/data, user data/code (the SYSRET order), a 64-bit TSS
        int g = (int) (GDT - SYS);
        b.putLong(g + 0x08, 0x00AF_9B00_0000_FFFFL);
        b.putLong(g + 0x10, 0x00CF_9300_0000_FFFFL);
        b.putLong(g + 0x18, 0x00CF_F300_0000_FFFFL);
        b.putLong(g + 0x20, 0x00AF_FB00_0000_FFFFL);
        long tssLow = 0x67 | (TSS & 0xFFFFFFL) << 16 | 0x8BL << 40 | ((TSS >>> 24) & 0xFF) << 56;
        b.putLong(g + 0x28, tssLow);
        b.putLong(g + 0x30, TSS >>> 32);
        // IDT: interrupt gates, DPL 0, IST 1, handler v at HANDLERS + 8v
        for (int v = 0; v < 256; v++) {
            long h = HANDLERS + 8L * v;
            long lo = (h & 0xFFFF) | (long) KERNEL_CS << 16 | 1L << 32 | 0x8EL << 40 | ((h >>> 16) & 0xFFFF) << 48;
            b.putLong((int) (IDT - SYS) + 16 * v, lo);
            b.putLong((int) (IDT - SYS) + 16 * v + 8, h >>> 32);
            b.put((int) (HANDLERS - SYS) + 8 * v, (byte) 0xF4);
        }
        b.putLong((int) (TSS - SYS) + 4, IST_TOP);     // RSP0
        b.putLong((int) (TSS - SYS) + 0x24, IST_TOP);  // IST1
        b.putShort((int) (TSS - SYS) + 0x66, (short) 0x68); // no I/O bitmap
        mem.write(SYS, b.array());
    }

    /** Once: a case changes none of this (control registers flush the TLB, which costs more than a case). */
    private void enterLongMode() {
        cpu.setCr4(CR4_PAE);
        cpu.setCr3(PML4);
        cpu.setEfer(EFER_LME | EFER_LMA);
        cpu.setCr0(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE);
        cpu.setGdtr(GDT, 0x37);
        cpu.setIdtr(IDT, 256 * 16 - 1);
    }

    /** Every case: CPL 3 again (an exception left the processor at CPL 0), the case's registers. */
    private void enterCase(TestCase c) {
        cpu.setSegment(Segment.CS, Segment.flat(USER_CS, 0xA0FB));
        for (int s : new int[] {Segment.SS, Segment.DS, Segment.ES}) cpu.setSegment(s, Segment.flat(USER_DS, 0xC0F3));
        cpu.setSegment(Segment.FS, new Segment(0, 0, 0xFFFF_FFFF, 0xC0F3));
        cpu.setSegment(Segment.GS, new Segment(0, 0, 0xFFFF_FFFF, 0xC0F3));
        cpu.setSegment(Segment.TR, new Segment(TSS_SEL, TSS, 0x67, 0x8B));
        for (int i = 0; i < 16; i++) cpu.setReg(i, c.regs()[i]);
        cpu.setRflags(c.rflags() & Flags.USER | 0x202); // IF=1, as in the host's process (PUSHF sees it)
        cpu.setRip(CaseLayout.CODE_BASE);
    }

    @Override
    public Outcome run(TestCase c) {
        byte[] initial = c.initialMemory();
        mem.write(CaseLayout.DATA_BASE, initial);
        if (lastCode > c.code().length) mem.write(CaseLayout.CODE_BASE + c.code().length, cc, 0, lastCode - c.code().length);
        byte[] code = java.util.Arrays.copyOf(c.code(), c.code().length + 1);
        code[c.code().length] = (byte) 0xF4; // HLT: #GP at CPL 3, the end of the case
        mem.write(CaseLayout.CODE_BASE, code);
        lastCode = code.length;
        unimplemented = null;
        enterCase(c);
        caseThread = Thread.currentThread().getId();
        caseStart = MX.getCurrentThreadCpuTime();
        caseSeq++;
        ExitReason why;
        try {
            why = cpu.run();
        } catch (RuntimeException e) {
            return unsupported("the emulator threw " + e);
        } finally {
            caseStart = 0;
        }
        List<MemoryRun> changes = MemoryRun.diff(initial, mem.read(CaseLayout.DATA_BASE, CaseLayout.DATA_SIZE));
        long[] regs = new long[16];
        for (int i = 0; i < 16; i++) regs[i] = cpu.reg(i);
        if (why == ExitReason.ATTENTION)
            return new Outcome(Outcome.Status.TIMEOUT, -1, 0, regs, cpu.rflags(), cpu.rip(), 0, changes, "instruction budget");
        if (why != ExitReason.HALT) return unsupported(why + ": " + cpu.failure());
        long at = cpu.rip() - 1 - HANDLERS;
        if (at < 0 || at >= 256 * 8 || at % 8 != 0)
            return unsupported(String.format("halted at %#x, not in a handler", cpu.rip()));
        int vector = (int) (at / 8);
        boolean err = (ERROR_CODE_VECTORS >>> vector & 1) != 0 && vector < 32;
        long frame = IST_TOP - 40;
        long rip = mem.readLong(frame), rflags = mem.readLong(frame + 16), rsp = mem.readLong(frame + 24);
        int errorCode = err ? (int) mem.readLong(frame - 8) : 0;
        regs[4] = rsp;
        if (vector == 13 && rip == c.end())
            return new Outcome(Outcome.Status.COMPLETED, -1, 0, regs, rflags, rip, 0, changes, null);
        if (vector == 6 && unimplemented != null)
            return new Outcome(Outcome.Status.EXCEPTION, 6, 0, regs, rflags, rip, 0, changes, "unimplemented: " + unimplemented);
        return new Outcome(Outcome.Status.EXCEPTION, vector, errorCode, regs, rflags, rip, cpu.cr2(), changes, null);
    }

    private Outcome unsupported(String why) {
        long[] regs = new long[16];
        for (int i = 0; i < 16; i++) regs[i] = cpu.reg(i);
        return new Outcome(Outcome.Status.UNSUPPORTED, -1, 0, regs, cpu.rflags(), cpu.rip(), 0, List.of(), why);
    }

    /** A case that never ends is stopped after 2 s of CPU time (an emulator bug; the host has its own alarm). */
    private void watch() {
        long seen = -1;
        while (!closed) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long start = caseStart, seq = caseSeq;
            if (start != 0 && MX.getThreadCpuTime(caseThread) - start > 2_000_000_000L && seq != seen) {
                seen = seq;
                cpu.requestAttention();
            }
        }
    }

    /** The translator's counters (empty on the interpreter tier). */
    public String translationStatistics() {
        return cpu.translationStatistics();
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
    }

    // ---- the platform: nothing is attached ----

    @Override
    public int in(int port, int size) {
        return -1;
    }

    @Override
    public void out(int port, int size, int value) {
    }

    @Override
    public long mmioRead(long physAddr, int size) {
        return -1;
    }

    @Override
    public void mmioWrite(long physAddr, int size, long value) {
    }

    @Override
    public long rdmsr(int msr) {
        throw new GeneralProtectionFault("no MSR " + msr);
    }

    @Override
    public void wrmsr(int msr, long value) {
        throw new GeneralProtectionFault("no MSR " + msr);
    }

    @Override
    public CpuidResult cpuid(int leaf, int subleaf) {
        return new CpuidResult(0, 0, 0, 0);
    }

    @Override
    public void hypercall(Cpu c) {
    }

    @Override
    public long tsc() {
        return 0;
    }

    @Override
    public int acknowledgeInterrupt() {
        return -1;
    }

    @Override
    public int cr8() {
        return 0;
    }

    @Override
    public void setCr8(int value) {
    }

    @Override
    public void unimplemented(long rip, byte[] bytes) {
        unimplemented = String.format("%#x: %s", rip, HexFormat.ofDelimiter(" ").formatHex(bytes));
    }
}
