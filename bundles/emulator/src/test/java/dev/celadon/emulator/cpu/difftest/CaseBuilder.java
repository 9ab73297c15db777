package dev.celadon.emulator.cpu.difftest;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Builds one {@link TestCase}: random registers and flags, memory operands whose base and index registers are
 * set so the address lands where the form wants it in the data buffer, and operand values patched there.
 */
public final class CaseBuilder {
    public final RandomGenerator r;
    public final Asm asm = new Asm();
    final long[] regs = new long[16];
    private final boolean[] fixed = new boolean[16];
    private final boolean[] reserved = new boolean[16];
    private final List<MemoryRun> patches = new ArrayList<>();
    long rflags;
    int comparedFlags = Flags.USER;
    int ignoredRegs;
    private byte[] nativeCode;
    /** How often a memory operand is placed across the end of the buffer, to check #PF. */
    double faultChance = 0.02;
    long lastTarget;

    public CaseBuilder(RandomGenerator r) {
        this.r = r;
        for (int i = 0; i < 16; i++) regs[i] = Values.edge(r, 64);
        rflags = r.nextLong() & Flags.USER;
    }

    /** Registers the form uses implicitly (RCX for CL, RAX/RDX, RSI/RDI...): never picked for addressing. */
    public CaseBuilder reserve(int... regCodes) {
        for (int c : regCodes) reserved[c] = true;
        return this;
    }

    public boolean isFixed(int reg) {
        return fixed[reg];
    }

    /** Sets a whole register (unless it already holds an address the case depends on). */
    public CaseBuilder set(int reg, long value) {
        if (!fixed[reg]) regs[reg] = value;
        return this;
    }

    public CaseBuilder fix(int reg, long value) {
        regs[reg] = value;
        fixed[reg] = true;
        return this;
    }

    /** Sets the low {@code bits} of a register code (AH..BH: bits 8-15 of RAX..RBX), other bits unchanged. */
    public CaseBuilder setOperand(int code, int bits, long value) {
        int reg = code >= 16 ? code - 16 : code;
        int shift = code >= 16 ? 8 : 0;
        if (fixed[reg]) return this;
        long m = Values.mask(bits) << shift;
        regs[reg] = (regs[reg] & ~m) | ((value << shift) & m);
        return this;
    }

    public long reg(int reg) {
        return regs[reg];
    }

    /** Any general register (RSP included: nothing here uses a stack unless the form says so). */
    public int pickReg(boolean lowOnly) {
        return r.nextInt(lowOnly ? 8 : 16);
    }

    /**
     * An 8-bit register code: with {@code legacy} (no REX prefix in the instruction) AL..BL or AH..BH, else any
     * of the 16 REX byte registers (SPL..DIL, R8B..R15B included).
     */
    public int pick8(boolean legacy) {
        if (legacy) {
            int c = r.nextInt(8);
            return c >= 4 ? c + 12 : c;
        }
        return r.nextInt(16);
    }

    public static boolean isHigh8(int code) {
        return code >= 16;
    }

    /** A register for {@code bits}, honouring a REX ban (then only codes 0-7, or AH..BH for bytes). */
    public int pick(int bits, boolean noRex) {
        return bits == 8 ? pick8(noRex) : pickReg(noRex);
    }

    public int pickSize() {
        return new int[] {8, 16, 32, 64}[r.nextInt(4)];
    }

    public int pickSizeNo8() {
        return new int[] {16, 32, 64}[r.nextInt(3)];
    }

    public CaseBuilder flags(long f) {
        rflags = f & Flags.USER;
        return this;
    }

    public CaseBuilder compare(int flagMask) {
        comparedFlags = flagMask | Flags.DF;
        return this;
    }

    public CaseBuilder ignore(int reg) {
        ignoredRegs |= 1 << reg;
        return this;
    }

    // ---- memory ----

    /** An address in the buffer for an access of {@code n} bytes: anywhere, across a page, or (rarely) off the end. */
    public long target(int n) {
        int k = r.nextInt(100);
        if (k < faultChance * 100) {
            // straddle the end (or the start) of the buffer: a #PF, with or without a partial access
            return r.nextBoolean() ? CaseLayout.DATA_END - n + 1 + r.nextInt(n) : CaseLayout.DATA_BASE - 1 - r.nextInt(n);
        }
        if (k < 20) {
            long page = CaseLayout.DATA_BASE + 0x1000L * (1 + r.nextInt(CaseLayout.DATA_SIZE / 0x1000 - 1));
            return page - r.nextInt(n + 1);
        }
        if (k < 45) return CaseLayout.DATA_BASE + (r.nextInt(CaseLayout.DATA_SIZE - 16) & ~(n - 1));
        return CaseLayout.DATA_BASE + r.nextInt(CaseLayout.DATA_SIZE - n + 1);
    }

    public Mem mem(int n, boolean noRex) {
        return memAt(target(n), noRex);
    }

    /** A memory operand addressing {@code target}, in a random form, with its registers set accordingly. */
    public Mem memAt(long target, boolean noRex) {
        lastTarget = target;
        boolean addr32 = r.nextInt(10) == 0;
        int mode = r.nextInt(20);
        boolean near = target == (int) target && Math.abs(target - CaseLayout.CODE_BASE) < (1L << 30);
        if (!near && mode < 3) mode = 3;
        if (addr32 && (target >>> 32) != 0) addr32 = false;
        if (mode == 0) return new Mem(Mem.RIP, Mem.NONE, 1, target, 4, addr32);
        if (mode == 1) return new Mem(Mem.NONE, Mem.NONE, 1, target, 4, addr32);
        int scale = 1 << r.nextInt(4);
        if (mode == 2) {
            int index = freeReg(noRex, true);
            if (index < 0) return new Mem(Mem.RIP, Mem.NONE, 1, target, 4, addr32);
            long disp = (int) (r.nextInt(1 << 20) - (1 << 19));
            long iv = Long.divideUnsigned(target - disp, scale);
            disp = target - iv * scale;
            fixAddr(index, iv, addr32);
            return new Mem(Mem.NONE, index, scale, disp, 4, addr32);
        }
        int base = freeReg(noRex, false);
        if (base < 0) return new Mem(Mem.RIP, Mem.NONE, 1, target, 4, addr32);
        int dispSize = new int[] {0, 1, 4}[r.nextInt(3)];
        long disp = dispSize == 0 ? 0 : dispSize == 1 ? (byte) r.nextInt() : r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(1 << 16) - (1 << 15);
        if (dispSize == 0 && (base & 7) == 5) dispSize = 1;
        int index = r.nextBoolean() ? freeReg(noRex, true) : Mem.NONE;
        if (index == base && index >= 0) {
            // base = index: v * (1 + scale) + disp = target
            long v = Long.divideUnsigned(target - disp, 1 + scale);
            long d = target - v * (1 + scale);
            if (dispSize == 1 && d != (byte) d) dispSize = 4;
            if (dispSize == 0 && d != 0) dispSize = 1;
            if (dispSize == 1 && d != (byte) d) dispSize = 4;
            fixAddr(base, v, addr32);
            return new Mem(base, index, scale, d, dispSize, addr32);
        }
        long iv = 0;
        if (index >= 0) {
            iv = r.nextInt(3) == 0 ? Values.edge(r, 64) : r.nextInt(64) - 32;
            fixAddr(index, iv, addr32);
        }
        fixAddr(base, target - iv * scale - disp, addr32);
        return new Mem(base, index, scale, disp, dispSize, addr32);
    }

    private void fixAddr(int reg, long v, boolean addr32) {
        // with a 32-bit address size the upper half does not take part: make it random
        fix(reg, addr32 ? (r.nextLong() << 32) | (v & 0xFFFFFFFFL) : v);
    }

    private int freeReg(boolean noRex, boolean index) {
        for (int tries = 0; tries < 32; tries++) {
            int c = r.nextInt(noRex ? 8 : 16);
            if (index && c == 4) continue;
            if (reserved[c]) continue;
            if (fixed[c] && r.nextInt(4) != 0) continue; // mostly distinct registers, sometimes base = index
            return c;
        }
        return -1;
    }

    /**
     * Points RSP into the buffer, usually 8-aligned, with {@code below} bytes free beneath and {@code above}
     * above it; rarely too close to the bottom, so a push faults (#PF).
     */
    public long stack(int below, int above) {
        long sp = r.nextInt(100) < faultChance * 100 ? CaseLayout.DATA_BASE + r.nextInt(Math.max(1, below))
                : CaseLayout.DATA_BASE + below + r.nextInt(CaseLayout.DATA_SIZE - below - above);
        if (r.nextInt(4) != 0) sp &= ~7L;
        reserve(4);
        fix(4, sp);
        return sp;
    }

    /** Writes {@code n} little-endian bytes of {@code value} at {@code addr}, clipped to the buffer. */
    public CaseBuilder poke(long addr, long value, int n) {
        for (int k = 0; k < n; k++) {
            long a = addr + k;
            if (CaseLayout.inData(a, 1))
                patches.add(new MemoryRun((int) (a - CaseLayout.DATA_BASE), new byte[] {(byte) (value >>> (8 * k))}));
        }
        return this;
    }

    /** Puts an edge value of {@code bits} at the last memory operand. */
    public long pokeOperand(int bits) {
        long v = Values.edge(r, bits);
        poke(lastTarget, v, bits / 8);
        return v;
    }

    /** The native CPU runs {@code code} instead (same length): see {@link TestCase}. */
    public CaseBuilder nativeCode(byte[] code) {
        nativeCode = code;
        return this;
    }

    public TestCase build(String form) {
        byte[] code = asm.bytes();
        return new TestCase(form, code, nativeCode != null ? nativeCode : code, String.join("; ", asm.texts()),
                regs.clone(), rflags, r.nextLong(), compact(patches), comparedFlags, ignoredRegs);
    }

    /** Merges single-byte patches into runs (later patches win). */
    private static List<MemoryRun> compact(List<MemoryRun> ps) {
        java.util.TreeMap<Integer, Byte> img = new java.util.TreeMap<>();
        for (MemoryRun p : ps)
            for (int k = 0; k < p.bytes().length; k++) img.put(p.offset() + k, p.bytes()[k]);
        List<MemoryRun> out = new ArrayList<>();
        java.io.ByteArrayOutputStream run = new java.io.ByteArrayOutputStream();
        int start = -1, next = -1;
        for (var e : img.entrySet()) {
            if (e.getKey() != next && start >= 0) {
                out.add(new MemoryRun(start, run.toByteArray()));
                run.reset();
                start = -1;
            }
            if (start < 0) start = e.getKey();
            run.write(e.getValue());
            next = e.getKey() + 1;
        }
        if (start >= 0) out.add(new MemoryRun(start, run.toByteArray()));
        return out;
    }
}
