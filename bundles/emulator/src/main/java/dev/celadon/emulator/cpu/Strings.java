package dev.celadon.emulator.cpu;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

import static dev.celadon.emulator.cpu.Cpu.RCX;
import static dev.celadon.emulator.cpu.Cpu.RDI;
import static dev.celadon.emulator.cpu.Cpu.RSI;

/**
 * String instructions with REP/REPE/REPNE. Registers are updated after every element, so a fault part-way
 * resumes correctly. REP MOVS and REP STOS forward over plain RAM copy or fill a page-sized run at a time.
 * A REP instruction stops after a budget of work and resumes at itself (RIP unchanged), so long strings
 * do not delay interrupts or stop requests.
 */
final class Strings {
    private Strings() {
    }

    private static final int ELEMENT_BUDGET = 1 << 16;
    private static final long BULK_BUDGET = 1 << 20;

    private static long src(Cpu c, Insn in, long off) {
        return in.seg < 0 ? off : c.linear(in.seg, off);
    }

    private static long dst(Cpu c, long off) {
        return c.mode == 8 ? off : c.linear(Segment.ES, off);
    }

    private static long step(Cpu c, Insn in) {
        return c.df() ? -in.size : in.size;
    }

    private static boolean rep(Insn in) {
        return (in.pfx & (Insn.P_REP | Insn.P_REPNE)) != 0;
    }

    private static void advance(Cpu c, int reg, int as, long step) {
        c.setReg(reg, as, c.r[reg] + step);
    }

    /** Ends a REP instruction whose count is not exhausted: run it again from its start. */
    private static void resume(Cpu c, Insn in) {
        if (c.getReg(RCX, in.asize) != 0) {
            c.rip = c.curRip();
        }
    }

    // ---------------------------------------------------------------- MOVS

    static void movs(Cpu c, Insn in) {
        int as = in.asize;
        if (!rep(in)) {
            movsOnce(c, in, as);
            return;
        }
        int budget = ELEMENT_BUDGET;
        while (c.getReg(RCX, as) != 0) {
            if (!c.df()) {
                int r = bulkMovs(c, in, as);
                if (r > 0) {
                    break; // done or budget spent
                }
            }
            if (c.getReg(RCX, as) == 0) {
                break;
            }
            movsOnce(c, in, as);
            c.setReg(RCX, as, c.getReg(RCX, as) - 1);
            if (--budget == 0) {
                break;
            }
        }
        resume(c, in);
    }

    private static void movsOnce(Cpu c, Insn in, int as) {
        long v = c.rd(src(c, in, c.getReg(RSI, as)), in.size);
        c.wr(dst(c, c.getReg(RDI, as)), in.size, v);
        long st = step(c, in);
        advance(c, RSI, as, st);
        advance(c, RDI, as, st);
    }

    /** Copies page-bounded runs of plain RAM; 1 = finished or budget spent, 0 = an element needs the slow path. */
    private static int bulkMovs(Cpu c, Insn in, int as) {
        int size = in.size;
        long done = 0;
        boolean user = c.tlbUser != 0;
        while (true) {
            long cnt = c.getReg(RCX, as);
            if (cnt == 0) {
                return 1;
            }
            long rsi = c.getReg(RSI, as);
            long rdi = c.getReg(RDI, as);
            long sla = src(c, in, rsi);
            long dla = dst(c, rdi);
            long n = Math.min(4096 - (sla & 0xFFF), 4096 - (dla & 0xFFF));
            if (Long.compareUnsigned(cnt, n / size) < 0) {
                n = cnt * size;
            }
            n -= n % size;
            long amask = Flags.MASK[as];
            if (n == 0 || ((rsi + n - 1) & amask) < rsi || ((rdi + n - 1) & amask) < rdi) {
                return 0;
            }
            long spa = c.translate(sla, Cpu.READ, user);
            long dpa = c.translate(dla, Cpu.WRITE, user);
            ByteBuffer sb = c.mem.pageBuffer(spa >>> 12);
            ByteBuffer db = c.mem.pageBuffer(dpa >>> 12);
            if (sb == null || db == null || (spa < dpa && dpa < spa + n)) {
                return 0; // MMIO, or an overlap where element-by-element order shows
            }
            int so = c.mem.pageOffset(spa >>> 12) + ((int) spa & 0xFFF);
            int dof = c.mem.pageOffset(dpa >>> 12) + ((int) dpa & 0xFFF);
            VarHandle.releaseFence();
            db.put(dof, sb, so, (int) n);
            VarHandle.acquireFence();
            if (c.mem.hasCode(dpa >>> 12)) {
                c.codeHit(dpa >>> 12, (int) dpa & 0xFFF, ((int) dpa & 0xFFF) + (int) n);
            }
            c.setReg(RSI, as, rsi + n);
            c.setReg(RDI, as, rdi + n);
            c.setReg(RCX, as, cnt - n / size);
            done += n;
            if (done >= BULK_BUDGET) {
                return 1;
            }
        }
    }

    // ---------------------------------------------------------------- STOS

    static void stos(Cpu c, Insn in) {
        int as = in.asize;
        if (!rep(in)) {
            stosOnce(c, in, as);
            return;
        }
        int budget = ELEMENT_BUDGET;
        while (c.getReg(RCX, as) != 0) {
            if (!c.df()) {
                int r = bulkStos(c, in, as);
                if (r > 0) {
                    break;
                }
            }
            if (c.getReg(RCX, as) == 0) {
                break;
            }
            stosOnce(c, in, as);
            c.setReg(RCX, as, c.getReg(RCX, as) - 1);
            if (--budget == 0) {
                break;
            }
        }
        resume(c, in);
    }

    private static void stosOnce(Cpu c, Insn in, int as) {
        c.wr(dst(c, c.getReg(RDI, as)), in.size, c.r[0]);
        advance(c, RDI, as, step(c, in));
    }

    private static int bulkStos(Cpu c, Insn in, int as) {
        int size = in.size;
        long v = c.r[0] & Flags.MASK[size];
        long pattern = v;
        for (int s = size; s < 8; s <<= 1) {
            pattern |= pattern << (8 * s);
        }
        long done = 0;
        boolean user = c.tlbUser != 0;
        while (true) {
            long cnt = c.getReg(RCX, as);
            if (cnt == 0) {
                return 1;
            }
            long rdi = c.getReg(RDI, as);
            long dla = dst(c, rdi);
            long n = 4096 - (dla & 0xFFF);
            if (Long.compareUnsigned(cnt, n / size) < 0) {
                n = cnt * size;
            }
            n -= n % size;
            if (n == 0 || ((rdi + n - 1) & Flags.MASK[as]) < rdi) {
                return 0;
            }
            long dpa = c.translate(dla, Cpu.WRITE, user);
            ByteBuffer db = c.mem.pageBuffer(dpa >>> 12);
            if (db == null) {
                return 0;
            }
            int off = c.mem.pageOffset(dpa >>> 12) + ((int) dpa & 0xFFF);
            VarHandle.releaseFence();
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                db.putLong(off + i, pattern);
            }
            for (; i < n; i++) {
                db.put(off + i, (byte) (pattern >>> (8 * (i & 7))));
            }
            if (c.mem.hasCode(dpa >>> 12)) {
                c.codeHit(dpa >>> 12, (int) dpa & 0xFFF, ((int) dpa & 0xFFF) + (int) n);
            }
            c.setReg(RDI, as, rdi + n);
            c.setReg(RCX, as, cnt - n / size);
            done += n;
            if (done >= BULK_BUDGET) {
                return 1;
            }
        }
    }

    // ---------------------------------------------------------------- LODS CMPS SCAS

    static void lods(Cpu c, Insn in) {
        int as = in.asize;
        if (!rep(in)) {
            lodsOnce(c, in, as);
            return;
        }
        int budget = ELEMENT_BUDGET;
        while (c.getReg(RCX, as) != 0 && budget-- > 0) {
            lodsOnce(c, in, as);
            c.setReg(RCX, as, c.getReg(RCX, as) - 1);
        }
        resume(c, in);
    }

    private static void lodsOnce(Cpu c, Insn in, int as) {
        c.setReg(0, in.size, c.rd(src(c, in, c.getReg(RSI, as)), in.size));
        advance(c, RSI, as, step(c, in));
    }

    static void cmps(Cpu c, Insn in) {
        int as = in.asize;
        if (!rep(in)) {
            cmpsOnce(c, in, as);
            return;
        }
        boolean repe = (in.pfx & Insn.P_REP) != 0;
        int budget = ELEMENT_BUDGET;
        while (c.getReg(RCX, as) != 0) {
            cmpsOnce(c, in, as);
            c.setReg(RCX, as, c.getReg(RCX, as) - 1);
            if (Flags.zf(c) != repe) {
                return;
            }
            if (--budget == 0) {
                break;
            }
        }
        resume(c, in);
    }

    private static void cmpsOnce(Cpu c, Insn in, int as) {
        long a = c.rd(src(c, in, c.getReg(RSI, as)), in.size);
        long b = c.rd(dst(c, c.getReg(RDI, as)), in.size);
        Flags.arith(c, Flags.SUB, a, b, (a - b) & Flags.MASK[in.size], in.size);
        long st = step(c, in);
        advance(c, RSI, as, st);
        advance(c, RDI, as, st);
    }

    static void scas(Cpu c, Insn in) {
        int as = in.asize;
        if (!rep(in)) {
            scasOnce(c, in, as);
            return;
        }
        boolean repe = (in.pfx & Insn.P_REP) != 0;
        int budget = ELEMENT_BUDGET;
        while (c.getReg(RCX, as) != 0) {
            scasOnce(c, in, as);
            c.setReg(RCX, as, c.getReg(RCX, as) - 1);
            if (Flags.zf(c) != repe) {
                return;
            }
            if (--budget == 0) {
                break;
            }
        }
        resume(c, in);
    }

    private static void scasOnce(Cpu c, Insn in, int as) {
        long a = c.getReg(0, in.size);
        long b = c.rd(dst(c, c.getReg(RDI, as)), in.size);
        Flags.arith(c, Flags.SUB, a, b, (a - b) & Flags.MASK[in.size], in.size);
        advance(c, RDI, as, step(c, in));
    }

    // ---------------------------------------------------------------- INS OUTS

    static void ins(Cpu c, Insn in) {
        c.endBlock();
        int as = in.asize;
        int port = (int) c.r[Cpu.RDX] & 0xFFFF;
        SystemOps.ioCheck(c, port, in.size);
        if (!rep(in)) {
            insOnce(c, in, as, port);
            return;
        }
        int budget = ELEMENT_BUDGET;
        while (c.getReg(RCX, as) != 0 && budget-- > 0) {
            insOnce(c, in, as, port);
            c.setReg(RCX, as, c.getReg(RCX, as) - 1);
        }
        resume(c, in);
    }

    private static void insOnce(Cpu c, Insn in, int as, int port) {
        long la = dst(c, c.getReg(RDI, as));
        c.translate(la, Cpu.WRITE, c.tlbUser != 0); // fault before the port is read
        long v = c.platform.in(port, in.size);
        c.wr(la, in.size, v);
        advance(c, RDI, as, step(c, in));
    }

    static void outs(Cpu c, Insn in) {
        c.endBlock();
        int as = in.asize;
        int port = (int) c.r[Cpu.RDX] & 0xFFFF;
        SystemOps.ioCheck(c, port, in.size);
        if (!rep(in)) {
            outsOnce(c, in, as, port);
            return;
        }
        int budget = ELEMENT_BUDGET;
        while (c.getReg(RCX, as) != 0 && budget-- > 0) {
            outsOnce(c, in, as, port);
            c.setReg(RCX, as, c.getReg(RCX, as) - 1);
        }
        resume(c, in);
    }

    private static void outsOnce(Cpu c, Insn in, int as, int port) {
        long v = c.rd(src(c, in, c.getReg(RSI, as)), in.size);
        c.platform.out(port, in.size, (int) v);
        advance(c, RSI, as, step(c, in));
    }
}
