package dev.celadon.emulator.cpu;

import static dev.celadon.emulator.cpu.Segment.CS;
import static dev.celadon.emulator.cpu.Segment.LDTR;
import static dev.celadon.emulator.cpu.Segment.SS;
import static dev.celadon.emulator.cpu.Segment.TR;

/**
 * Segment descriptors (GDT/LDT) and the instructions that load segment registers: MOV Sreg, POP Sreg,
 * LDS/LES/LSS/LFS/LGS, far control transfers' code segments, LLDT/LTR, LAR/LSL. Call gates and task switches
 * are not implemented (#GP).
 */
final class SegOps {
    private SegOps() {
    }

    /** The 8-byte descriptor a selector names; #GP(selector) beyond the table's limit. */
    static long descriptor(Cpu c, int sel) {
        long base;
        int limit;
        if ((sel & 4) != 0) {
            if ((c.segAttr[LDTR] & Segment.ATTR_UNUSABLE) != 0 || (c.segSel[LDTR] & ~3) == 0) {
                throw Fault.gp(sel & ~3);
            }
            base = c.segBase[LDTR];
            limit = c.segLimit[LDTR];
        } else {
            base = c.gdtBase;
            limit = c.gdtLimit;
        }
        int off = sel & ~7;
        if (off + 7 > (limit & 0xFFFF_FFFFL)) {
            throw Fault.gp(sel & ~3);
        }
        return c.rdSys(c.mode == 8 || c.longMode() ? base + off : (base + off) & 0xFFFF_FFFFL, 8);
    }

    static long descriptorAddress(Cpu c, int sel) {
        long base = (sel & 4) != 0 ? c.segBase[LDTR] : c.gdtBase;
        return base + (sel & ~7);
    }

    static long base(long d) {
        return ((d >>> 16) & 0xFF_FFFFL) | (((d >>> 56) & 0xFF) << 24);
    }

    static int limit(long d) {
        int l = (int) ((d & 0xFFFF) | ((d >>> 32) & 0xF_0000));
        return (d & (1L << 55)) != 0 ? (l << 12) | 0xFFF : l;
    }

    /** Access byte in bits 7:0, flags in 15:12 (the {@link Segment} layout). */
    static int attr(long d) {
        return (int) ((d >>> 40) & 0xF0FF);
    }

    static int dpl(long d) {
        return (int) (d >>> 45) & 3;
    }

    static boolean present(long d) {
        return (d & (1L << 47)) != 0;
    }

    static boolean isCode(long d) {
        return (d & (1L << 44)) != 0 && (d & (1L << 43)) != 0;
    }

    static boolean isData(long d) {
        return (d & (1L << 44)) != 0 && (d & (1L << 43)) == 0;
    }

    /** Sets the descriptor's accessed bit in memory if clear, as the processor does. */
    private static void touch(Cpu c, int sel, long d) {
        if ((d & (1L << 40)) == 0) {
            long a = descriptorAddress(c, sel) + 5;
            c.wrSys(c.longMode() ? a : a & 0xFFFF_FFFFL, 1, (d >>> 40) | 1);
        }
    }

    /** Loads a data segment register (or SS) as MOV/POP/LxS do, with the protection checks. */
    static void loadData(Cpu c, int seg, int sel) {
        loadData(c, seg, sel, c.cpl);
    }

    static void loadData(Cpu c, int seg, int sel, int cpl) {
        sel &= 0xFFFF;
        if ((c.cr0 & Cpu.CR0_PE) == 0 || (c.eflags & Flags.VM) != 0) {
            c.segSel[seg] = sel;
            c.segBase[seg] = (long) sel << 4;
            if ((c.segAttr[seg] & Segment.ATTR_UNUSABLE) != 0) {
                c.segAttr[seg] = 0x93;
                c.segLimit[seg] = 0xFFFF;
            }
            return;
        }
        if ((sel & ~3) == 0) {
            if (seg == SS && !(c.mode == 8 && cpl != 3 && (sel & 3) == cpl)) {
                throw Fault.gp0();
            }
            c.setSegmentRaw(seg, sel, 0, 0, Segment.ATTR_UNUSABLE | (seg == SS ? (cpl << 5) | 0x93 : 0));
            return;
        }
        long d = descriptor(c, sel);
        int rpl = sel & 3;
        if (seg == SS) {
            if (rpl != cpl || !isData(d) || (d & (1L << 41)) == 0 || dpl(d) != cpl) {
                throw Fault.gp(sel & ~3);
            }
            if (!present(d)) {
                throw Fault.ss(sel & ~3);
            }
        } else {
            boolean readableCode = isCode(d) && (d & (1L << 41)) != 0;
            if (!isData(d) && !readableCode) {
                throw Fault.gp(sel & ~3);
            }
            boolean conforming = isCode(d) && (d & (1L << 42)) != 0;
            if (!conforming && dpl(d) < Math.max(cpl, rpl)) {
                throw Fault.gp(sel & ~3);
            }
            if (!present(d)) {
                throw Fault.np(sel & ~3);
            }
        }
        touch(c, sel, d);
        c.setSegmentRaw(seg, sel, base(d), limit(d), attr(d) | 1);
    }

    /**
     * Loads CS for a far JMP/CALL/RET/IRET to {@code sel} at privilege {@code newCpl} (checked by the caller for
     * returns). Only code segments: call gates and TSS/task gates are not implemented.
     */
    static void loadCode(Cpu c, int sel, int newCpl, boolean isReturn) {
        sel &= 0xFFFF;
        if ((c.cr0 & Cpu.CR0_PE) == 0 || (c.eflags & Flags.VM) != 0) {
            c.setSegmentRaw(CS, sel, (long) sel << 4, c.segLimit[CS], c.segAttr[CS] & ~Segment.ATTR_UNUSABLE);
            c.updateMode();
            return;
        }
        if ((sel & ~3) == 0) {
            throw Fault.gp0();
        }
        long d = descriptor(c, sel);
        if (!isCode(d)) {
            throw Fault.gp(sel & ~3); // call gates, TSS and task gates: not implemented
        }
        boolean conforming = (d & (1L << 42)) != 0;
        int dpl = dpl(d);
        if (isReturn) {
            if ((sel & 3) < c.cpl || (conforming ? dpl > (sel & 3) : dpl != (sel & 3))) {
                throw Fault.gp(sel & ~3);
            }
        } else if (conforming ? dpl > c.cpl : ((sel & 3) > c.cpl || dpl != c.cpl)) {
            throw Fault.gp(sel & ~3);
        }
        if (!present(d)) {
            throw Fault.np(sel & ~3);
        }
        if (c.longMode() && (d & (1L << 53)) != 0 && (d & (1L << 54)) != 0) {
            throw Fault.gp(sel & ~3); // L and D both set
        }
        touch(c, sel, d);
        c.setSegmentRaw(CS, (sel & ~3) | newCpl, base(d), limit(d), attr(d) | 1);
        c.updateMode();
    }

    // ---------------------------------------------------------------- instructions

    static void movToSeg(Cpu c, Insn in) {
        int sel = (int) c.readE(in) & 0xFFFF;
        loadData(c, in.reg, sel);
        if (in.reg == SS) {
            c.setShadow();
        }
    }

    static void movFromSeg(Cpu c, Insn in) {
        int sel = c.segSel[in.reg];
        if (in.rm >= 0) {
            c.setReg(in.rm, in.size == 2 ? 2 : in.size, sel);
        } else {
            c.wr(c.addr(in), 2, sel);
        }
    }

    /** LDS/LES/LSS/LFS/LGS: op2 is the segment register. */
    static void loadFarPointer(Cpu c, Insn in) {
        long la = c.addr(in);
        long off = c.rd(la, in.size);
        int sel = (int) c.rd(la + in.size, 2);
        loadData(c, in.op2, sel);
        c.setReg(in.reg, in.size, off);
        if (in.op2 == SS) {
            c.setShadow();
        }
    }

    /** 0F 00: SLDT STR LLDT LTR VERR VERW. */
    static void group6(Cpu c, Insn in) {
        if ((c.cr0 & Cpu.CR0_PE) == 0) {
            throw Fault.ud();
        }
        switch (in.op2) {
            case 0: storeSel(c, in, c.segSel[LDTR]); return;
            case 1: storeSel(c, in, c.segSel[TR]); return;
            case 2: requireCpl0(c); lldt(c, (int) readSel(c, in)); return;
            case 3: requireCpl0(c); ltr(c, (int) readSel(c, in)); return;
            case 4: case 5: verify(c, (int) readSel(c, in), in.op2 == 5); return;
            default: throw Fault.ud();
        }
    }

    private static long readSel(Cpu c, Insn in) {
        return in.rm >= 0 ? c.getReg(in.rm, 2) : c.rd(c.addr(in), 2);
    }

    private static void storeSel(Cpu c, Insn in, int sel) {
        if (in.rm >= 0) {
            c.setReg(in.rm, in.size, sel);
        } else {
            c.wr(c.addr(in), 2, sel);
        }
    }

    static void requireCpl0(Cpu c) {
        if (c.cpl != 0) {
            throw Fault.gp0();
        }
    }

    private static long systemBaseHigh(Cpu c, int sel) {
        if (!c.longMode()) {
            return 0;
        }
        long a = descriptorAddress(c, sel) + 8;
        if ((sel & ~7) + 15 > c.gdtLimit) {
            throw Fault.gp(sel & ~3);
        }
        return c.rdSys(a, 4) << 32;
    }

    static void lldt(Cpu c, int sel) {
        if ((sel & ~3) == 0) {
            c.setSegmentRaw(LDTR, sel, 0, 0, Segment.ATTR_UNUSABLE);
            return;
        }
        if ((sel & 4) != 0) {
            throw Fault.gp(sel & ~3);
        }
        long d = descriptor(c, sel);
        if ((d & (1L << 44)) != 0 || ((d >>> 40) & 0xF) != 2) {
            throw Fault.gp(sel & ~3);
        }
        if (!present(d)) {
            throw Fault.np(sel & ~3);
        }
        c.setSegmentRaw(LDTR, sel, base(d) | systemBaseHigh(c, sel), limit(d), attr(d));
    }

    static void ltr(Cpu c, int sel) {
        if ((sel & ~3) == 0 || (sel & 4) != 0) {
            throw Fault.gp(sel & ~3);
        }
        long d = descriptor(c, sel);
        int type = (int) (d >>> 40) & 0xF;
        if ((d & (1L << 44)) != 0 || (type != 9 && type != 1)) {
            throw Fault.gp(sel & ~3);
        }
        if (!present(d)) {
            throw Fault.np(sel & ~3);
        }
        long high = systemBaseHigh(c, sel);
        long a = descriptorAddress(c, sel) + 5;
        c.wrSys(c.longMode() ? a : a & 0xFFFF_FFFFL, 1, (d >>> 40) | 2); // busy
        c.setSegmentRaw(TR, sel, base(d) | high, limit(d), attr(d) | 2);
    }

    private static void verify(Cpu c, int sel, boolean write) {
        boolean ok = false;
        if ((sel & ~3) != 0) {
            try {
                long d = descriptor(c, sel);
                boolean conforming = isCode(d) && (d & (1L << 42)) != 0;
                boolean privOk = conforming || dpl(d) >= Math.max(c.cpl, sel & 3);
                ok = privOk && (write ? isData(d) && (d & (1L << 41)) != 0
                        : isData(d) || (isCode(d) && (d & (1L << 41)) != 0));
            } catch (Fault f) {
                if (f.vector != Fault.GP) {
                    throw f;
                }
            }
        }
        setZf(c, ok);
    }

    private static void setZf(Cpu c, boolean zf) {
        int f = Flags.arith(c);
        Flags.set(c, (f & ~Flags.ZF) | (zf ? Flags.ZF : 0));
    }

    /** LAR / LSL: the descriptor if this CPL may see it, else ZF = 0. */
    private static long visible(Cpu c, int sel, boolean lsl) {
        if ((sel & ~3) == 0) {
            return -1;
        }
        long d;
        try {
            d = descriptor(c, sel);
        } catch (Fault f) {
            if (f.vector != Fault.GP) {
                throw f;
            }
            return -1;
        }
        if ((d & (1L << 44)) == 0) {
            int type = (int) (d >>> 40) & 0xF;
            boolean ok = lsl ? type == 1 || type == 2 || type == 3 || type == 9 || type == 11
                    : type == 1 || type == 2 || type == 3 || type == 4 || type == 5 || type == 9 || type == 11 || type == 12;
            if (!ok) {
                return -1;
            }
        }
        boolean conforming = isCode(d) && (d & (1L << 42)) != 0;
        if (!conforming && dpl(d) < Math.max(c.cpl, sel & 3)) {
            return -1;
        }
        return d;
    }

    static void lar(Cpu c, Insn in) {
        if ((c.cr0 & Cpu.CR0_PE) == 0) {
            throw Fault.ud();
        }
        long d = visible(c, (int) readSel(c, in), false);
        setZf(c, d != -1);
        if (d != -1) {
            c.setReg(in.reg, in.size, (d >>> 32) & 0x00F0_FF00L);
        }
    }

    static void lsl(Cpu c, Insn in) {
        if ((c.cr0 & Cpu.CR0_PE) == 0) {
            throw Fault.ud();
        }
        long d = visible(c, (int) readSel(c, in), true);
        setZf(c, d != -1);
        if (d != -1) {
            c.setReg(in.reg, in.size, limit(d) & 0xFFFF_FFFFL);
        }
    }
}
