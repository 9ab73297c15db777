package dev.celadon.emulator.cpu;

import static dev.celadon.emulator.cpu.Segment.CS;
import static dev.celadon.emulator.cpu.Segment.SS;

/**
 * Exception and interrupt delivery through the IVT (real mode) or the IDT (protected and long mode):
 * interrupt and trap gates, privilege change with the stack from the TSS, IST stacks in long mode; #DF for a
 * fault while delivering a contributory fault or #PF, and a triple fault (a {@link ExitReason#TRIPLE_FAULT}
 * exit) for a fault while delivering #DF. IRET in all modes. Task gates are not implemented (#GP).
 */
final class Interrupts {
    private Interrupts() {
    }

    private static boolean contributory(int v) {
        return v == Fault.DE || (v >= Fault.TS && v <= Fault.GP);
    }

    /** A fault raised by an instruction (RIP is at it): deliver it, escalating to #DF and triple fault. */
    static void exception(Cpu c, int vector, int error) {
        raise(c, vector, error, c.rip, false);
    }

    /** An external interrupt at an instruction boundary (RIP is the next instruction). */
    static void external(Cpu c, int vector) {
        raise(c, vector, -1, c.rip, true);
    }

    private static void raise(Cpu c, int vector, int error, long returnRip, boolean external) {
        if (vector == Fault.UD) {
            c.udCount++;
        }
        StringBuilder chain = c.chain;
        chain.setLength(0);
        int v = vector;
        int e = error;
        while (true) {
            if (chain.length() > 0) {
                chain.append(" -> ");
            }
            chain.append(external && v == vector ? "interrupt " + v : Fault.name(v));
            if (e >= 0) {
                chain.append("(error 0x").append(Integer.toHexString(e)).append(')');
            }
            if (v == Fault.PF) {
                chain.append(" cr2=0x").append(Long.toHexString(c.cr2));
            }
            try {
                deliver(c, v, e, returnRip, false, external && v == vector);
                return;
            } catch (Fault f) {
                if (v == Fault.DF) {
                    chain.append(" -> ").append(f.getMessage()).append(" while delivering #DF");
                    c.exit = ExitReason.TRIPLE_FAULT;
                    c.failure = "triple fault at RIP 0x" + Long.toHexString(returnRip) + " (CS " + Integer.toHexString(c.segSel[CS])
                            + ", " + c.mode * 8 + "-bit): " + chain + "; bytes at RIP: " + c.bytesAtRip();
                    return;
                }
                boolean df = (contributory(v) && contributory(f.vector))
                        || (v == Fault.PF && (contributory(f.vector) || f.vector == Fault.PF));
                if (df) {
                    chain.append(" -> ").append(f.getMessage());
                    if (f.vector == Fault.PF) {
                        chain.append(" cr2=0x").append(Long.toHexString(c.cr2));
                    }
                    v = Fault.DF;
                    e = 0;
                } else {
                    v = f.vector;
                    e = f.error;
                }
                external = false;
            }
        }
    }

    /** INT n, INT3, INTO: a trap (RIP after the instruction), with the gate's DPL checked against CPL. */
    static void software(Cpu c, int vector, long returnRip) {
        deliver(c, vector, -1, returnRip, true, false);
    }

    private static int idtError(int vector, boolean external) {
        return vector * 8 + 2 + (external ? 1 : 0);
    }

    static void deliver(Cpu c, int vector, int error, long returnRip, boolean software, boolean external) {
        if ((c.cr0 & Cpu.CR0_PE) == 0) {
            deliverReal(c, vector, returnRip);
        } else if (c.longMode()) {
            deliverLong(c, vector, error, returnRip, software, external);
        } else {
            deliverProtected(c, vector, error, returnRip, software, external);
        }
    }

    private static void deliverReal(Cpu c, int vector, long returnRip) {
        if (vector * 4 + 3 > c.idtLimit) {
            throw Fault.gp0();
        }
        long ent = c.rdSys((c.idtBase + vector * 4L) & 0xFFFF_FFFFL, 4);
        long sp = c.r[Cpu.RSP];
        long ssBase = c.segBase[SS];
        long flags = c.rflags();
        c.wrSys((ssBase + ((sp - 2) & 0xFFFF)) & 0xFFFF_FFFFL, 2, flags);
        c.wrSys((ssBase + ((sp - 4) & 0xFFFF)) & 0xFFFF_FFFFL, 2, c.segSel[CS]);
        c.wrSys((ssBase + ((sp - 6) & 0xFFFF)) & 0xFFFF_FFFFL, 2, returnRip);
        c.setSp(sp - 6, 2);
        c.eflags &= ~(Flags.IF | Flags.TF | Flags.AC | Flags.RF);
        int sel = (int) (ent >>> 16) & 0xFFFF;
        c.setSegmentRaw(CS, sel, (long) sel << 4, c.segLimit[CS], c.segAttr[CS]);
        c.rip = ent & 0xFFFF;
        c.updateMode();
    }

    /** The code segment descriptor a gate names, checked for delivery; returns it. */
    private static long gateTarget(Cpu c, int sel, boolean external, boolean needLong) {
        if ((sel & ~3) == 0) {
            throw Fault.gp(external ? 1 : 0);
        }
        long d = SegOps.descriptor(c, sel);
        if (!SegOps.isCode(d) || SegOps.dpl(d) > c.cpl || (needLong && (d & (1L << 53)) == 0)) {
            throw Fault.gp((sel & ~3) + (external ? 1 : 0));
        }
        if (!SegOps.present(d)) {
            throw Fault.np((sel & ~3) + (external ? 1 : 0));
        }
        return d;
    }

    private static void deliverLong(Cpu c, int vector, int error, long returnRip, boolean software, boolean external) {
        if (vector * 16 + 15 > c.idtLimit) {
            throw Fault.gp(idtError(vector, external));
        }
        long lo = c.rdSys(c.idtBase + vector * 16L, 8);
        long hi = c.rdSys(c.idtBase + vector * 16L + 8, 8);
        int type = (int) (lo >>> 40) & 0xF;
        if (type != 0xE && type != 0xF) {
            throw Fault.gp(idtError(vector, external));
        }
        if (software && ((lo >>> 45) & 3) < c.cpl) {
            throw Fault.gp(idtError(vector, false));
        }
        if ((lo & (1L << 47)) == 0) {
            throw Fault.np(idtError(vector, external));
        }
        long target = (lo & 0xFFFF) | ((lo >>> 32) & 0xFFFF_0000L) | (hi << 32);
        int sel = (int) (lo >>> 16) & 0xFFFF;
        int ist = (int) (lo >>> 32) & 7;
        long d = gateTarget(c, sel, external, true);
        boolean conforming = (d & (1L << 42)) != 0;
        int newCpl = conforming ? c.cpl : SegOps.dpl(d);
        long rsp;
        long tss = c.segBase[Segment.TR];
        if (ist != 0) {
            rsp = c.rdSys(tss + 0x24 + (ist - 1) * 8L, 8);
        } else if (newCpl < c.cpl) {
            rsp = c.rdSys(tss + 4 + newCpl * 8L, 8);
        } else {
            rsp = c.r[Cpu.RSP];
        }
        rsp &= ~0xFL;
        boolean user = newCpl == 3;
        long flags = c.rflags();
        long sp = rsp;
        c.wrAs(sp - 8, 8, c.segSel[SS], user);
        c.wrAs(sp - 16, 8, c.r[Cpu.RSP], user);
        c.wrAs(sp - 24, 8, flags, user);
        c.wrAs(sp - 32, 8, c.segSel[CS], user);
        c.wrAs(sp - 40, 8, returnRip, user);
        sp -= 40;
        if (error >= 0) {
            sp -= 8;
            c.wrAs(sp, 8, error & 0xFFFF_FFFFL, user);
        }
        // Commit.
        if (newCpl != c.cpl) {
            c.setSegmentRaw(SS, newCpl, 0, 0, Segment.ATTR_UNUSABLE | (newCpl << 5) | 0x93);
        }
        c.setSegmentRaw(CS, (sel & ~3) | newCpl, SegOps.base(d), SegOps.limit(d), SegOps.attr(d) | 1);
        c.r[Cpu.RSP] = sp;
        c.rip = target;
        c.eflags &= ~(Flags.TF | Flags.NT | Flags.RF | Flags.VM);
        if (type == 0xE) {
            c.eflags &= ~Flags.IF;
        }
        c.updateMode();
    }

    private static void deliverProtected(Cpu c, int vector, int error, long returnRip, boolean software, boolean external) {
        if (vector * 8 + 7 > c.idtLimit) {
            throw Fault.gp(idtError(vector, external));
        }
        long g = c.rdSys((c.idtBase + vector * 8L) & 0xFFFF_FFFFL, 8);
        int type = (int) (g >>> 40) & 0xF;
        if (type != 0x6 && type != 0x7 && type != 0xE && type != 0xF) {
            throw Fault.gp(idtError(vector, external)); // task gates: not implemented
        }
        if (software && ((g >>> 45) & 3) < c.cpl) {
            throw Fault.gp(idtError(vector, false));
        }
        if ((g & (1L << 47)) == 0) {
            throw Fault.np(idtError(vector, external));
        }
        int psize = (type & 8) != 0 ? 4 : 2;
        long target = (g & 0xFFFF) | (psize == 4 ? (g >>> 32) & 0xFFFF_0000L : 0);
        int sel = (int) (g >>> 16) & 0xFFFF;
        long d = gateTarget(c, sel, external, false);
        boolean conforming = (d & (1L << 42)) != 0;
        int newCpl = conforming ? c.cpl : SegOps.dpl(d);
        long flags = c.rflags();
        int oldSs = c.segSel[SS];
        long oldSp = c.r[Cpu.RSP] & 0xFFFF_FFFFL;
        boolean user = newCpl == 3;
        long ssBase;
        long sp;
        int ssSize;
        int newSs = -1;
        long ssDesc = 0;
        if (newCpl < c.cpl) {
            long tss = c.segBase[Segment.TR];
            boolean tss32 = (c.segAttr[Segment.TR] & 8) != 0;
            if (tss32) {
                sp = c.rdSys(tss + 4 + newCpl * 8L, 4);
                newSs = (int) c.rdSys(tss + 8 + newCpl * 8L, 2);
            } else {
                sp = c.rdSys(tss + 2 + newCpl * 4L, 2);
                newSs = (int) c.rdSys(tss + 4 + newCpl * 4L, 2);
            }
            if ((newSs & ~3) == 0 || (newSs & 3) != newCpl) {
                throw Fault.ts(newSs & ~3);
            }
            ssDesc = SegOps.descriptor(c, newSs);
            if (!SegOps.isData(ssDesc) || SegOps.dpl(ssDesc) != newCpl || (ssDesc & (1L << 41)) == 0) {
                throw Fault.ts(newSs & ~3);
            }
            if (!SegOps.present(ssDesc)) {
                throw Fault.ss(newSs & ~3);
            }
            ssBase = SegOps.base(ssDesc);
            ssSize = (ssDesc & (1L << 54)) != 0 ? 4 : 2;
        } else {
            ssBase = c.segBase[SS];
            sp = c.r[Cpu.RSP];
            ssSize = c.stackSize();
        }
        long m = ssSize == 4 ? 0xFFFF_FFFFL : 0xFFFF;
        long[] vals = new long[6];
        int n = 0;
        if (newSs >= 0) {
            vals[n++] = oldSs;
            vals[n++] = oldSp;
        }
        vals[n++] = flags;
        vals[n++] = c.segSel[CS];
        vals[n++] = returnRip;
        if (error >= 0) {
            vals[n++] = error;
        }
        long p = sp;
        for (int i = 0; i < n; i++) {
            p -= psize;
            c.wrAs((ssBase + (p & m)) & 0xFFFF_FFFFL, psize, vals[i], user);
        }
        // Commit.
        if (newSs >= 0) {
            c.setSegmentRaw(SS, newSs, ssBase, SegOps.limit(ssDesc), SegOps.attr(ssDesc) | 1);
        }
        c.setSp(p & m, ssSize);
        c.setSegmentRaw(CS, (sel & ~3) | newCpl, SegOps.base(d), SegOps.limit(d), SegOps.attr(d) | 1);
        c.rip = target;
        c.eflags &= ~(Flags.TF | Flags.NT | Flags.RF | Flags.VM);
        if ((type & 1) == 0) {
            c.eflags &= ~Flags.IF;
        }
        c.updateMode();
    }

    // ---------------------------------------------------------------- IRET

    static void iret(Cpu c, int size) {
        c.nmiBlocked = false;
        if ((c.cr0 & Cpu.CR0_PE) == 0) {
            long ip = c.peek(0, size);
            int cs = (int) c.peek(size, size) & 0xFFFF;
            long fl = c.peek(2 * size, size);
            c.setSp(c.r[Cpu.RSP] + 3L * size, c.stackSize());
            c.setSegmentRaw(CS, cs, (long) cs << 4, c.segLimit[CS], c.segAttr[CS]);
            c.writeFlags(fl, size == 2 ? Flags.WRITABLE & 0xFFFF : Flags.WRITABLE & ~Flags.VM);
            c.rip = Branch.ip(ip, size);
            c.updateMode();
            return;
        }
        boolean from64 = c.mode == 8;
        long ip = c.peek(0, size);
        int cs = (int) c.peek(size, size) & 0xFFFF;
        long fl = c.peek(2 * size, size);
        int newCpl = cs & 3;
        if (newCpl < c.cpl) {
            throw Fault.gp(cs & ~3);
        }
        boolean popStack = from64 || newCpl > c.cpl;
        long newSp = 0;
        int newSs = 0;
        if (popStack) {
            newSp = c.peek(3 * size, size);
            newSs = (int) c.peek(4 * size, size) & 0xFFFF;
        }
        int oldCpl = c.cpl;
        int changeable = Flags.WRITABLE;
        if (oldCpl != 0) {
            changeable &= ~Flags.IOPL;
        }
        if (oldCpl > c.iopl()) {
            changeable &= ~Flags.IF;
        }
        if (size == 2) {
            changeable &= 0xFFFF;
        }
        int[] saveSel = c.segSel.clone();
        long[] saveBase = c.segBase.clone();
        int[] saveLimit = c.segLimit.clone();
        int[] saveAttr = c.segAttr.clone();
        long saveEfer = c.efer;
        try {
            SegOps.loadCode(c, cs, newCpl, true);
            if (popStack) {
                SegOps.loadData(c, SS, newSs, newCpl);
            }
        } catch (Fault f) {
            System.arraycopy(saveSel, 0, c.segSel, 0, 8);
            System.arraycopy(saveBase, 0, c.segBase, 0, 8);
            System.arraycopy(saveLimit, 0, c.segLimit, 0, 8);
            System.arraycopy(saveAttr, 0, c.segAttr, 0, 8);
            c.efer = saveEfer;
            c.updateMode();
            throw f;
        }
        if (popStack) {
            c.r[Cpu.RSP] = c.mode == 8 ? newSp : size == 2 ? (c.r[Cpu.RSP] & ~0xFFFFL) | (newSp & 0xFFFF) : newSp & 0xFFFF_FFFFL;
        } else {
            c.setSp(c.r[Cpu.RSP] + 3L * size, c.stackSize());
        }
        c.writeFlags(fl, changeable);
        c.rip = Branch.ip(ip, c.mode == 8 ? 8 : size);
        if (newCpl > oldCpl) {
            // Data segments the outer level may not use become null.
            for (int s : new int[] {Segment.ES, Segment.DS, Segment.FS, Segment.GS}) {
                int a = c.segAttr[s];
                boolean conformingCode = (a & 0x18) == 0x18 && (a & 4) != 0;
                if ((a & Segment.ATTR_UNUSABLE) == 0 && !conformingCode && ((a >> 5) & 3) < newCpl) {
                    c.setSegmentRaw(s, 0, c.segBase[s], 0, Segment.ATTR_UNUSABLE);
                }
            }
        }
        c.updateMode();
    }
}
