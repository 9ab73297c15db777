package dev.celadon.emulator.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * One x86-64 virtual processor: registers, the decoded-code cache, the interpreter and the MMU with its
 * software TLB. Driven by one thread through {@link #run()}; only {@link #requestAttention()} and
 * {@link #signalInterrupt()} may be called from other threads. Register accessors are for the caller between
 * runs and for {@link CpuPlatform#hypercall}.
 */
public final class Cpu {
    // ---- register numbers for reg()/setReg(), in x86 encoding order ----
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

    static final long CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20,
            CR0_WP = 1 << 16, CR0_AM = 1 << 18, CR0_NW = 1 << 29, CR0_CD = 1 << 30, CR0_PG = 1L << 31;
    static final long CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_PGE = 1 << 7, CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10;
    static final long EFER_SCE = 1, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;

    final int index;
    final PhysicalMemory mem;
    final CpuPlatform platform;

    // ---- architectural state (package-private: the executors work on it directly) ----
    final long[] r = new long[16];
    /** Next RIP while a block runs (the block's fall-through, or a branch target); RIP between runs. */
    long rip;
    /** The non-arithmetic RFLAGS bits (bit 1 always set); the arithmetic ones are lazy (lf*). */
    int eflags = 2;
    int lfOp = Flags.EXPLICIT, lfSize = 4;
    long lfDst, lfSrc, lfRes, lfAux;

    final int[] segSel = new int[8];
    final long[] segBase = new long[8];
    final int[] segLimit = new int[8];
    final int[] segAttr = new int[8];

    long cr0, cr2, cr3, cr4, efer;
    final long[] dr = new long[8];
    long gdtBase, idtBase;
    int gdtLimit, idtLimit;
    long star, lstar, cstar, sfmask, kernelGsBase, sysenterCs, sysenterEsp, sysenterEip, pat, tscAux, miscEnable;
    long apicBase;

    /** Current privilege level, and decode mode: 2, 4 or 8 (the default address size: 16-, 32-, 64-bit code). */
    int cpl;
    int mode = 2;
    /** STI / MOV SS shadow: no interrupt at the next boundary. */
    boolean shadow;

    // ---- execution state ----
    long blockBase;
    Insn cur;
    boolean stop;
    private boolean running;
    ExitReason exit;
    String failure;
    long retired;
    long udCount;
    /** The vector being delivered (for #DF and triple fault), -1 outside delivery, and the chain so far. */
    int delivering = -1;
    final StringBuilder chain = new StringBuilder();
    private final Set<Long> reportedUnimplemented = new HashSet<>();

    /** Cross-thread events, checked at block boundaries. */
    private volatile int events;
    private static final int EV_ATTENTION = 1, EV_INTERRUPT = 2, EV_NMI = 4;
    /** An NMI is being handled: further NMIs wait for the next IRET. */
    boolean nmiBlocked;
    private static final VarHandle EVENTS;

    static {
        try {
            EVENTS = MethodHandles.lookup().findVarHandle(Cpu.class, "events", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ---- software TLB: direct-mapped, one set per access kind; tag = page | user bit ----
    static final int TLB_BITS = 10, TLB_SIZE = 1 << TLB_BITS, TLB_MASK = TLB_SIZE - 1;
    static final int READ = 0, WRITE = 1, EXEC = 2;
    private static final long TLB_EMPTY = 2;
    final long[] tlbTag = new long[3 * TLB_SIZE];
    final ByteBuffer[] tlbBuf = new ByteBuffer[3 * TLB_SIZE];
    final int[] tlbOff = new int[3 * TLB_SIZE];
    final long[] tlbPhys = new long[3 * TLB_SIZE];
    final boolean[] tlbGlobal = new boolean[3 * TLB_SIZE];
    /** 1 at CPL 3: user-mode translations have their own tags. */
    long tlbUser;
    /** Set by the page walk: the translation is global (survives CR3 writes). */
    boolean walkGlobal;

    final CodeCache code;
    final Decoder decoder;
    /** x87, MXCSR and XMM state (what FXSAVE saves). */
    final Fpu fpu = new Fpu();

    /** The second execution tier (null: interpreter only) and the runs of a block before it is translated. */
    final TranslationCache translations;
    private int translationThreshold = Tier.thresholdFromSystemProperty();

    /** A processor on the tier named by the system property {@value Tier#PROPERTY} (default: the translator). */
    public Cpu(int index, PhysicalMemory memory, CpuPlatform platform) {
        this(index, memory, platform, Tier.fromSystemProperty());
    }

    public Cpu(int index, PhysicalMemory memory, CpuPlatform platform, Tier tier) {
        this.index = index;
        this.mem = memory;
        this.platform = platform;
        this.code = new CodeCache(memory);
        this.decoder = new Decoder(this);
        this.translations = tier == Tier.TRANSLATOR ? new TranslationCache(memory) : null;
        reset();
    }

    // =====================================================================================================
    // Public API
    // =====================================================================================================

    public int index() {
        return index;
    }

    /**
     * Runs until something the caller must handle. Never throws: guest faults are delivered to the guest, and
     * anything the emulator cannot do ends the run with {@link ExitReason#SHUTDOWN}.
     */
    public ExitReason run() {
        if (exit == ExitReason.TRIPLE_FAULT || exit == ExitReason.SHUTDOWN) {
            return exit;
        }
        exit = null;
        running = true;
        try {
            while (true) {
                if (events != 0) {
                    ExitReason e = serviceEvents();
                    if (e != null) {
                        return e;
                    }
                }
                try {
                    runBlocks();
                } catch (Fault f) {
                    faulted(f);
                }
                if (exit != null) {
                    return exit;
                }
            }
        } catch (CpuStop s) {
            return shutdown(s.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            return shutdown("internal error at RIP 0x" + Long.toHexString(rip()) + ": " + e);
        } finally {
            running = false;
            cur = null;
        }
    }

    private ExitReason shutdown(String why) {
        if (cur != null) {
            rip = blockBase + cur.off;
            cur = null;
        }
        failure = why + "; bytes at RIP: " + bytesAtRip();
        exit = ExitReason.SHUTDOWN;
        return exit;
    }

    /** Makes {@link #run()} return {@link ExitReason#ATTENTION} at the next block boundary. Thread-safe. */
    public void requestAttention() {
        EVENTS.getAndBitwiseOr(this, EV_ATTENTION);
    }

    /**
     * The local APIC has an interrupt pending. Thread-safe. At the next boundary with IF = 1 and no shadow the
     * CPU clears this request, then calls {@link CpuPlatform#acknowledgeInterrupt()}; after delivering a
     * vector it sets the request again, so it asks until the APIC answers -1.
     */
    public void signalInterrupt() {
        EVENTS.getAndBitwiseOr(this, EV_INTERRUPT);
    }

    /**
     * A non-maskable interrupt (vector 2), from the local APIC's NMI delivery mode or LINT1. Thread-safe. Taken
     * at the next boundary regardless of IF; further NMIs are held until the handler's IRET.
     */
    public void signalNmi() {
        EVENTS.getAndBitwiseOr(this, EV_NMI);
    }

    /** Whether an interrupt could be taken now: IF = 1 and no STI/MOV SS shadow. */
    public boolean interruptsEnabled() {
        return (eflags & Flags.IF) != 0 && !shadow;
    }

    /** Why the last run ended with TRIPLE_FAULT or SHUTDOWN: RIP, the exception chain, instruction bytes. */
    public String failure() {
        return failure;
    }

    public long instructionsRetired() {
        return retired;
    }

    public Tier tier() {
        return translations != null ? Tier.TRANSLATOR : Tier.INTERPRETER;
    }

    /** Interpreted runs of a block before the translator translates it (0: at its first run). */
    public int translationThreshold() {
        return translationThreshold;
    }

    public void setTranslationThreshold(int runs) {
        if (runs < 0) {
            throw new IllegalArgumentException("threshold " + runs);
        }
        translationThreshold = runs;
    }

    /**
     * The translator's counters: blocks translated, live, evicted, failed (a defect), too large, and the
     * instructions emitted inline and as handler calls; empty on the interpreter tier.
     */
    public String translationStatistics() {
        TranslationCache t = translations;
        if (t == null) {
            return "";
        }
        return "translated=" + t.translated + " live=" + t.size() + " evicted=" + t.evicted + " failed=" + t.failed
                + " too_large=" + t.tooLarge + " inlined_insns=" + t.inlinedInsns + " called_insns=" + t.calledInsns
                + (t.firstFailure == null ? "" : " first_failure=" + t.firstFailure);
    }

    /** #UD exceptions raised (unimplemented opcodes, UD2, invalid forms). */
    public long undefinedOpcodeCount() {
        return udCount;
    }

    /** INIT / power-on: real mode at F000:FFF0 (linear 0xFFFFFFF0), caches empty. */
    public void reset() {
        java.util.Arrays.fill(r, 0);
        r[RDX] = 0x600; // family 6
        eflags = 2;
        Flags.set(this, 0);
        cr0 = CR0_ET | CR0_NW | CR0_CD;
        cr2 = cr3 = cr4 = efer = 0;
        java.util.Arrays.fill(dr, 0);
        dr[6] = 0xFFFF0FF0L;
        dr[7] = 0x400;
        for (int s = 0; s < 6; s++) {
            setSegmentRaw(s, 0, 0, 0xFFFF, 0x93);
        }
        setSegmentRaw(Segment.CS, 0xF000, 0xFFFF0000L, 0xFFFF, 0x9B);
        setSegmentRaw(Segment.TR, 0, 0, 0xFFFF, 0x8B);
        setSegmentRaw(Segment.LDTR, 0, 0, 0xFFFF, 0x82);
        gdtBase = idtBase = 0;
        gdtLimit = idtLimit = 0xFFFF;
        star = lstar = cstar = sfmask = kernelGsBase = sysenterCs = sysenterEsp = sysenterEip = tscAux = 0;
        pat = 0x0007040600070406L;
        miscEnable = 1; // fast strings
        fpu.reset();
        rip = 0xFFF0;
        shadow = false;
        delivering = -1;
        nmiBlocked = false;
        exit = null;
        failure = null;
        updateMode();
        flushTlb(true);
    }

    /** The startup IPI: real mode at vector:0000 (CS = vector << 8, base vector << 12). */
    public void startupIpi(int vector) {
        reset();
        setSegmentRaw(Segment.CS, (vector & 0xFF) << 8, (long) (vector & 0xFF) << 12, 0xFFFF, 0x9B);
        rip = 0;
        updateMode();
    }

    /**
     * The PVH entry state: 32-bit protected mode, paging off, flat 4 GiB code and data segments whose
     * descriptors the loader put in the GDT at {@code gdtBase} (caches loaded as if from it), EBX = start_info.
     */
    public void bootProtectedMode(long entry, long ebx, long gdtBase, int gdtLimit, int codeSelector, int dataSelector) {
        reset();
        cr0 = CR0_PE | CR0_ET;
        this.gdtBase = gdtBase;
        this.gdtLimit = gdtLimit;
        idtBase = 0;
        idtLimit = 0;
        setSegmentRaw(Segment.CS, codeSelector, 0, 0xFFFF_FFFF, 0xC09B);
        for (int s : new int[] {Segment.ES, Segment.SS, Segment.DS, Segment.FS, Segment.GS}) {
            setSegmentRaw(s, dataSelector, 0, 0xFFFF_FFFF, 0xC093);
        }
        setSegmentRaw(Segment.TR, 0, 0, 0x67, 0x8B);
        r[RBX] = ebx;
        rip = entry;
        updateMode();
    }

    /**
     * The Linux 64-bit boot protocol's entry state: long mode with paging on page tables at {@code cr3}
     * (PAE, EFER.LME/LMA, NXE), a 64-bit code segment and flat data segments from the GDT at {@code gdtBase},
     * RSI = boot_params, interrupts off.
     */
    public void bootLongMode(long entry, long rsi, long cr3, long gdtBase, int gdtLimit, int codeSelector, int dataSelector) {
        reset();
        cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP | CR0_NE | CR0_MP;
        cr4 = CR4_PAE;
        this.cr3 = cr3;
        efer = EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE;
        this.gdtBase = gdtBase;
        this.gdtLimit = gdtLimit;
        idtBase = 0;
        idtLimit = 0;
        setSegmentRaw(Segment.CS, codeSelector, 0, 0xFFFF_FFFF, 0xA09B);
        for (int s : new int[] {Segment.ES, Segment.SS, Segment.DS, Segment.FS, Segment.GS}) {
            setSegmentRaw(s, dataSelector, 0, 0xFFFF_FFFF, 0xC093);
        }
        setSegmentRaw(Segment.TR, 0, 0, 0x67, 0x8B);
        r[RSI] = rsi;
        rip = entry;
        updateMode();
        flushTlb(true);
    }

    public long reg(int n) {
        return r[n];
    }

    public void setReg(int n, long v) {
        r[n] = v;
    }

    /** RIP of the next instruction (inside a hypercall: of the VMCALL itself). */
    public long rip() {
        return running && cur != null ? blockBase + cur.off : rip;
    }

    public void setRip(long v) {
        if (running && cur != null) {
            ripOverride = true;
        }
        rip = v;
    }

    boolean ripOverride;

    public long rflags() {
        return (eflags & ~Flags.ARITH) | Flags.arith(this) | 2;
    }

    public void setRflags(long v) {
        eflags = (int) (v & Flags.WRITABLE & ~Flags.ARITH) | 2;
        Flags.set(this, (int) v);
    }

    public long cr0() { return cr0; }
    public long cr2() { return cr2; }
    public long cr3() { return cr3; }
    public long cr4() { return cr4; }
    public long efer() { return efer; }

    public void setCr0(long v) { cr0 = v; updateMode(); flushTlb(true); }
    public void setCr2(long v) { cr2 = v; }
    public void setCr3(long v) { cr3 = v; flushTlb(false); }
    public void setCr4(long v) { cr4 = v; flushTlb(true); }

    public void setEfer(long v) {
        efer = v;
        updateMode();
        flushTlb(true);
    }

    public Segment segment(int s) {
        return new Segment(segSel[s], segBase[s], segLimit[s], segAttr[s]);
    }

    public void setSegment(int s, Segment v) {
        setSegmentRaw(s, v.selector(), v.base(), v.limit(), v.attributes());
        updateMode();
    }

    public void setGdtr(long base, int limit) {
        gdtBase = base;
        gdtLimit = limit & 0xFFFF;
    }

    public void setIdtr(long base, int limit) {
        idtBase = base;
        idtLimit = limit & 0xFFFF;
    }

    public long gdtrBase() { return gdtBase; }
    public int gdtrLimit() { return gdtLimit; }
    public long idtrBase() { return idtBase; }
    public int idtrLimit() { return idtLimit; }

    public int cpl() {
        return cpl;
    }

    /** Whether the processor is in long mode (EFER.LMA). */
    public boolean longMode() {
        return (efer & EFER_LMA) != 0;
    }

    public PhysicalMemory memory() {
        return mem;
    }

    // =====================================================================================================
    // The run loop
    // =====================================================================================================

    private void runBlocks() {
        Block b = null;
        while (events == 0 && exit == null) {
            Block nb = null;
            long at = rip;
            if (b != null && !chainBreak) {
                if (b.succ1Rip == at) {
                    nb = b.succ1;
                } else if (b.succ2Rip == at) {
                    nb = b.succ2;
                }
                if (nb != null && nb.gen != mem.generation(nb.page)) {
                    nb = null;
                }
            }
            if (nb == null) {
                nb = code.block(this);
                // Chain only inside one virtual page and its physical page: the translation stays the same.
                if (b != null && !chainBreak && nb.key != -1 && nb.page == b.page && (at >>> 12) == (blockBase >>> 12)) {
                    b.succ2 = b.succ1;
                    b.succ2Rip = b.succ1Rip;
                    b.succ1 = nb;
                    b.succ1Rip = at;
                }
            }
            chainBreak = false;
            b = nb;
            long base = at;
            blockBase = base;
            rip = base + b.len;
            stop = false;
            shadow = false; // this boundary took no interrupt: the shadow ends with the block's first instruction
            Translated t = b.translated;
            if (t == null && translations != null && b.key != -1 && b.hits++ >= translationThreshold) {
                t = translations.translate(b, (int) (b.key >>> 60));
            }
            if (t != null) {
                t.run(this);
                continue;
            }
            Insn[] ins = b.insns;
            int n = ins.length;
            for (int i = 0; i < n; i++) {
                Insn in = ins[i];
                cur = in;
                in.exec.run(this, in);
                if (stop) {
                    stop = false;
                    if (i + 1 < n) {
                        rip = base + in.end;
                        retired += i + 1;
                        n = -1;
                        break;
                    }
                }
            }
            if (n >= 0) {
                retired += n;
            }
            cur = null;
        }
    }

    /** Whether cross-thread events wait (the translator's loops check this at each block boundary). */
    boolean eventsPending() {
        return events != 0;
    }

    /** Set when the translation or mode may have changed: the next block is looked up, not chained. */
    boolean chainBreak = true;

    /** A fault inside an instruction: roll back to it and deliver. */
    private void faulted(Fault f) {
        Insn in = cur;
        if (in != null) {
            rip = blockBase + in.off;
            retired += in.idx;
            cur = null;
        }
        Interrupts.exception(this, f.vector, f.error);
    }

    private ExitReason serviceEvents() {
        int ev = events;
        if ((ev & EV_ATTENTION) != 0) {
            EVENTS.getAndBitwiseAnd(this, ~EV_ATTENTION);
            return ExitReason.ATTENTION;
        }
        if (shadow) {
            // The boundary right after STI / MOV SS: no interrupt or NMI; run on one block.
            shadow = false;
            runOne();
            return null;
        }
        if ((ev & EV_NMI) != 0 && !nmiBlocked) {
            EVENTS.getAndBitwiseAnd(this, ~EV_NMI);
            nmiBlocked = true;
            Interrupts.external(this, Fault.NMI);
            return exit;
        }
        if ((ev & EV_INTERRUPT) != 0 && (eflags & Flags.IF) != 0) {
            EVENTS.getAndBitwiseAnd(this, ~EV_INTERRUPT);
            int v = platform.acknowledgeInterrupt();
            if (v >= 0) {
                Interrupts.external(this, v & 0xFF);
                EVENTS.getAndBitwiseOr(this, EV_INTERRUPT);
                return exit;
            }
            return null;
        }
        // Something is pending that cannot be taken now (IF = 0, NMI blocked): run one block and look again.
        runOne();
        return null;
    }

    /** Runs one block with events pending (an interrupt that cannot be taken yet). */
    private void runOne() {
        try {
            Block b = code.block(this);
            long base = rip;
            blockBase = base;
            rip = base + b.len;
            stop = false;
            shadow = false; // this boundary took no interrupt: the shadow ends with the block's first instruction
            Insn[] ins = b.insns;
            int n = ins.length;
            for (int i = 0; i < n; i++) {
                Insn in = ins[i];
                cur = in;
                in.exec.run(this, in);
                if (stop) {
                    stop = false;
                    if (i + 1 < n) {
                        rip = base + in.end;
                        retired += i + 1;
                        cur = null;
                        return;
                    }
                }
            }
            retired += n;
            cur = null;
        } catch (Fault f) {
            faulted(f);
        }
    }

    /** Ends the current block after this instruction (mode changes, self-modified code). */
    void endBlock() {
        stop = true;
    }

    /** RIP past the current instruction. */
    long nextRip() {
        return blockBase + cur.end;
    }

    long curRip() {
        return blockBase + cur.off;
    }

    /** Sets the shadow: the boundary after this instruction takes no interrupt. */
    void setShadow() {
        shadow = true;
        stop = true;
    }

    void halt() {
        exit = ExitReason.HALT;
        shadow = false;
        stop = true;
    }

    void unimplemented() {
        long at = curRip();
        if (reportedUnimplemented.add(at)) {
            byte[] b = bytesAt(at, 15);
            try {
                platform.unimplemented(at, b);
            } catch (RuntimeException e) {
                throw new CpuStop("platform.unimplemented failed: " + e);
            }
        }
        throw Fault.ud();
    }

    /** Up to n (≤ 15) instruction bytes from a linear address, as far as they are readable. */
    byte[] bytesAt(long la, int n) {
        n = Math.max(1, Math.min(15, n));
        byte[] out = new byte[n];
        int got = 0;
        try {
            for (; got < n; got++) {
                long pa = Mmu.probe(this, la + got);
                if (pa < 0 || !mem.isRam(pa)) {
                    break;
                }
                out[got] = mem.read(pa, 1)[0];
            }
        } catch (RuntimeException e) {
            // stop at the first unreadable byte
        }
        return java.util.Arrays.copyOf(out, got);
    }

    String bytesAtRip() {
        StringBuilder sb = new StringBuilder();
        for (byte x : bytesAt(codeLinear(rip), 15)) {
            sb.append(String.format("%02x ", x & 0xFF));
        }
        return sb.length() == 0 ? "(unreadable)" : sb.toString().trim();
    }

    // =====================================================================================================
    // Mode and segments
    // =====================================================================================================

    void setSegmentRaw(int s, int sel, long base, int limit, int attr) {
        segSel[s] = sel & 0xFFFF;
        segBase[s] = base;
        segLimit[s] = limit;
        segAttr[s] = attr;
    }

    /** Recomputes CPL, the decode mode and the TLB user tag after CS, CR0 or EFER changed. */
    void updateMode() {
        chainBreak = true;
        boolean pe = (cr0 & CR0_PE) != 0;
        if ((efer & EFER_LME) != 0 && (cr0 & CR0_PG) != 0 && pe) {
            efer |= EFER_LMA;
        } else {
            efer &= ~EFER_LMA;
        }
        int a = segAttr[Segment.CS];
        if (!pe) {
            cpl = 0;
            mode = 2;
        } else {
            cpl = segSel[Segment.CS] & 3; // CS.RPL is the CPL in protected mode (also for conforming code)
            if ((efer & EFER_LMA) != 0 && (a & Segment.ATTR_L) != 0) {
                mode = 8;
            } else {
                mode = (a & Segment.ATTR_DB) != 0 ? 4 : 2;
            }
        }
        tlbUser = cpl == 3 ? 1 : 0;
    }

    /** Linear address of a code offset. */
    long codeLinear(long ip) {
        return mode == 8 ? ip : (segBase[Segment.CS] + ip) & 0xFFFF_FFFFL;
    }

    // =====================================================================================================
    // Registers and operands
    // =====================================================================================================

    long getReg(int n, int size) {
        switch (size) {
            case 1: return n < 16 ? r[n] & 0xFF : (r[n - 16] >>> 8) & 0xFF;
            case 2: return r[n] & 0xFFFF;
            case 4: return r[n] & 0xFFFF_FFFFL;
            default: return r[n];
        }
    }

    void setReg(int n, int size, long v) {
        switch (size) {
            case 1:
                if (n < 16) {
                    r[n] = (r[n] & ~0xFFL) | (v & 0xFF);
                } else {
                    r[n - 16] = (r[n - 16] & ~0xFF00L) | ((v & 0xFF) << 8);
                }
                break;
            case 2: r[n] = (r[n] & ~0xFFFFL) | (v & 0xFFFF); break;
            case 4: r[n] = v & 0xFFFF_FFFFL; break;
            default: r[n] = v; break;
        }
    }

    /** The linear address of the memory operand. */
    long addr(Insn in) {
        long a = in.disp;
        if (in.base >= 0) {
            a += r[in.base];
        }
        if (in.index >= 0) {
            a += r[in.index] << in.scale;
        }
        if (in.ripRel) {
            a += blockBase + in.end;
        }
        if (in.asize != 8) {
            a &= in.asize == 4 ? 0xFFFF_FFFFL : 0xFFFF;
        }
        return in.seg < 0 ? a : linear(in.seg, a);
    }

    /** The effective address (offset) of the memory operand, without segment base: LEA. */
    long effective(Insn in) {
        long a = in.disp;
        if (in.base >= 0) {
            a += r[in.base];
        }
        if (in.index >= 0) {
            a += r[in.index] << in.scale;
        }
        if (in.ripRel) {
            a += blockBase + in.end;
        }
        return a;
    }

    long linear(int seg, long offset) {
        return mode == 8 ? offset + segBase[seg] : (offset + segBase[seg]) & 0xFFFF_FFFFL;
    }

    /** Reads the r/m operand. */
    long readE(Insn in) {
        return in.rm >= 0 ? getReg(in.rm, in.size) : rd(addr(in), in.size);
    }

    void writeE(Insn in, long v) {
        if (in.rm >= 0) {
            setReg(in.rm, in.size, v);
        } else {
            wr(addr(in), in.size, v);
        }
    }

    // =====================================================================================================
    // Memory access through the TLB
    // =====================================================================================================

    long rd(long la, int size) {
        int i = (int) (la >>> 12) & TLB_MASK;
        int po = (int) la & 0xFFF;
        if (tlbTag[i] == ((la & ~0xFFFL) | tlbUser) && po + size <= 4096) {
            ByteBuffer b = tlbBuf[i];
            if (b != null) {
                return PhysicalMemory.load(b, tlbOff[i] + po, size);
            }
        }
        return rdSlow(la, size, tlbUser != 0);
    }

    void wr(long la, int size, long v) {
        int i = TLB_SIZE + ((int) (la >>> 12) & TLB_MASK);
        int po = (int) la & 0xFFF;
        if (tlbTag[i] == ((la & ~0xFFFL) | tlbUser) && po + size <= 4096) {
            ByteBuffer b = tlbBuf[i];
            if (b != null) {
                PhysicalMemory.store(b, tlbOff[i] + po, size, v);
                long page = tlbPhys[i] >>> 12;
                if (mem.hasCode(page)) {
                    codeHit(page, po, po + size);
                }
                return;
            }
        }
        wrSlow(la, size, v, tlbUser != 0);
    }

    /** Supervisor-mode (implicit) accesses: descriptor tables, TSS, IDT, interrupt stacks. */
    long rdSys(long la, int size) {
        return rdSlow(la, size, false);
    }

    void wrSys(long la, int size, long v) {
        wrSlow(la, size, v, false);
    }

    long rdAs(long la, int size, boolean user) {
        return rdSlow(la, size, user);
    }

    void wrAs(long la, int size, long v, boolean user) {
        wrSlow(la, size, v, user);
    }

    long rdSlow(long la, int size, boolean user) {
        int po = (int) la & 0xFFF;
        if (po + size > 4096) {
            // Split at the page boundary: both halves are translated (and may fault) before anything is used.
            int n1 = 4096 - po;
            long p1 = translate(la, READ, user);
            long p2 = translate(la + n1, READ, user);
            long v = 0;
            for (int k = 0; k < size; k++) {
                long pa = k < n1 ? p1 + k : p2 + (k - n1);
                v |= physRead(pa, 1) << (8 * k);
            }
            return v;
        }
        long pa = translate(la, READ, user);
        return physRead(pa, size);
    }

    void wrSlow(long la, int size, long v, boolean user) {
        int po = (int) la & 0xFFF;
        if (po + size > 4096) {
            int n1 = 4096 - po;
            long p1 = translate(la, WRITE, user);
            long p2 = translate(la + n1, WRITE, user);
            for (int k = 0; k < size; k++) {
                long pa = k < n1 ? p1 + k : p2 + (k - n1);
                physWrite(pa, 1, v >>> (8 * k));
            }
            return;
        }
        long pa = translate(la, WRITE, user);
        physWrite(pa, size, v);
    }

    long physRead(long pa, int size) {
        long page = pa >>> 12;
        ByteBuffer b = mem.pageBuffer(page);
        if (b != null) {
            return PhysicalMemory.load(b, mem.pageOffset(page) + ((int) pa & 0xFFF), size);
        }
        long v = platform.mmioRead(pa, size);
        stop = true; // a device access may raise an interrupt or ask for attention: take it at once
        return size == 8 ? v : v & Flags.MASK[size];
    }

    void physWrite(long pa, int size, long v) {
        long page = pa >>> 12;
        ByteBuffer b = mem.pageBuffer(page);
        if (b != null) {
            PhysicalMemory.store(b, mem.pageOffset(page) + ((int) pa & 0xFFF), size, v);
            if (mem.hasCode(page)) {
                codeHit(page, (int) pa & 0xFFF, ((int) pa & 0xFFF) + size);
            }
            return;
        }
        platform.mmioWrite(pa, size, size == 8 ? v : v & Flags.MASK[size]);
        stop = true;
    }

    /** This processor stored into a page holding decoded code: invalidate it if the bytes were code, end the block. */
    void codeHit(long page, int from, int to) {
        if (mem.codeStore(page, from, to)) {
            stop = true;
        }
    }

    /** Linear to physical for an access kind, through the TLB (filling it on a miss). Faults #PF / #GP. */
    long translate(long la, int kind, boolean user) {
        int i = kind * TLB_SIZE + ((int) (la >>> 12) & TLB_MASK);
        long tag = (la & ~0xFFFL) | (user ? 1 : 0);
        if (tlbTag[i] == tag) {
            return tlbPhys[i] | (la & 0xFFF);
        }
        long pa = Mmu.walk(this, la, kind, user);
        long ppage = pa >>> 12;
        tlbTag[i] = tag;
        tlbPhys[i] = pa & ~0xFFFL;
        tlbBuf[i] = mem.pageBuffer(ppage);
        tlbOff[i] = tlbBuf[i] == null ? 0 : mem.pageOffset(ppage);
        tlbGlobal[i] = walkGlobal;
        return pa;
    }

    /** One instruction byte at a linear address (instructions crossing a page end). */
    int fetchByte(long la) {
        if (mode != 8) {
            la &= 0xFFFF_FFFFL;
        }
        long pa = translate(la, EXEC, tlbUser != 0);
        ByteBuffer b = mem.pageBuffer(pa >>> 12);
        if (b == null) {
            throw new CpuStop("instruction fetch from guest-physical 0x" + Long.toHexString(pa) + ", which is not RAM");
        }
        return b.get(mem.pageOffset(pa >>> 12) + ((int) pa & 0xFFF)) & 0xFF;
    }

    void flushTlb(boolean global) {
        chainBreak = true;
        for (int i = 0; i < tlbTag.length; i++) {
            if (global || !tlbGlobal[i]) {
                tlbTag[i] = TLB_EMPTY;
                tlbBuf[i] = null;
            }
        }
    }

    void invlpg(long la) {
        chainBreak = true;
        for (int k = 0; k < 3; k++) {
            int i = k * TLB_SIZE + ((int) (la >>> 12) & TLB_MASK);
            if ((tlbTag[i] & ~0xFFFL) == (la & ~0xFFFL)) {
                tlbTag[i] = TLB_EMPTY;
                tlbBuf[i] = null;
            }
        }
    }

    // =====================================================================================================
    // Stack
    // =====================================================================================================

    /** Stack address size: 8 in 64-bit mode, else SS.B. */
    int stackSize() {
        return mode == 8 ? 8 : (segAttr[Segment.SS] & Segment.ATTR_DB) != 0 ? 4 : 2;
    }

    long stackLinear(long sp) {
        return mode == 8 ? sp : (segBase[Segment.SS] + sp) & 0xFFFF_FFFFL;
    }

    void push(long v, int size) {
        int ss = stackSize();
        long sp = r[RSP] - size;
        if (ss != 8) {
            sp &= ss == 4 ? 0xFFFF_FFFFL : 0xFFFF;
        }
        wr(stackLinear(sp), size, v);
        setSp(sp, ss);
    }

    long pop(int size) {
        int ss = stackSize();
        long sp = r[RSP];
        if (ss != 8) {
            sp &= ss == 4 ? 0xFFFF_FFFFL : 0xFFFF;
        }
        long v = rd(stackLinear(sp), size);
        setSp(sp + size, ss);
        return v;
    }

    /** Reads the stack at RSP + off without popping. */
    long peek(int off, int size) {
        int ss = stackSize();
        long sp = r[RSP] + off;
        if (ss != 8) {
            sp &= ss == 4 ? 0xFFFF_FFFFL : 0xFFFF;
        }
        return rd(stackLinear(sp), size);
    }

    void setSp(long sp, int ss) {
        if (ss == 8) {
            r[RSP] = sp;
        } else if (ss == 4) {
            r[RSP] = sp & 0xFFFF_FFFFL;
        } else {
            r[RSP] = (r[RSP] & ~0xFFFFL) | (sp & 0xFFFF);
        }
    }

    // =====================================================================================================
    // Flags helpers
    // =====================================================================================================

    boolean cf() {
        return Flags.cf(this);
    }

    boolean df() {
        return (eflags & Flags.DF) != 0;
    }

    int iopl() {
        return (eflags >> 12) & 3;
    }

    void setIf(boolean on) {
        if (on) {
            eflags |= Flags.IF;
        } else {
            eflags &= ~Flags.IF;
        }
    }

    /** Writes RFLAGS as POPF/IRET do (the caller has already masked what this CPL may change). */
    void writeFlags(long v, int changeable) {
        int keep = eflags & ~changeable;
        eflags = (keep | ((int) v & changeable & ~Flags.ARITH)) | 2;
        if ((changeable & Flags.ARITH) != 0) {
            Flags.set(this, (int) v);
        }
    }

    @Override
    public String toString() {
        return "Cpu " + index + " rip=0x" + Long.toHexString(rip) + " mode=" + mode * 8 + "-bit cpl=" + cpl;
    }
}
