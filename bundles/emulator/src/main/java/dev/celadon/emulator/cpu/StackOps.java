package dev.celadon.emulator.cpu;

import static dev.celadon.emulator.cpu.Cpu.RSP;

/** PUSH/POP in all forms, PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE. */
final class StackOps {
    private StackOps() {
    }

    static void pushR(Cpu c, Insn in) {
        c.push(c.getReg(in.reg, in.size), in.size);
    }

    static void popR(Cpu c, Insn in) {
        long v = c.pop(in.size);
        c.setReg(in.reg, in.size, v);
    }

    static void pushI(Cpu c, Insn in) {
        c.push(in.imm, in.size);
    }

    static void pushE(Cpu c, Insn in) {
        c.push(c.readE(in), in.size);
    }

    /** POP Ev: the address is computed after RSP moves; RSP is restored if the store faults. */
    static void popE(Cpu c, Insn in) {
        long old = c.r[RSP];
        long v = c.pop(in.size);
        try {
            c.writeE(in, v);
        } catch (Fault f) {
            c.r[RSP] = old;
            throw f;
        }
    }

    static void pushSeg(Cpu c, Insn in) {
        c.push(c.segSel[in.reg], in.size);
    }

    static void popSeg(Cpu c, Insn in) {
        long old = c.r[RSP];
        int sel = (int) c.pop(in.size) & 0xFFFF;
        try {
            SegOps.loadData(c, in.reg, sel);
        } catch (Fault f) {
            c.r[RSP] = old;
            throw f;
        }
        if (in.reg == Segment.SS) {
            c.setShadow();
        }
    }

    static void pusha(Cpu c, Insn in) {
        int size = in.size;
        long sp = c.r[RSP];
        long old = sp;
        try {
            for (int i = 0; i < 8; i++) {
                c.push(i == RSP ? old : c.r[i], size);
            }
        } catch (Fault f) {
            c.r[RSP] = old;
            throw f;
        }
    }

    static void popa(Cpu c, Insn in) {
        int size = in.size;
        long old = c.r[RSP];
        long[] v = new long[8];
        try {
            for (int i = 7; i >= 0; i--) {
                v[i] = c.pop(size);
            }
        } catch (Fault f) {
            c.r[RSP] = old;
            throw f;
        }
        for (int i = 0; i < 8; i++) {
            if (i != RSP) {
                c.setReg(i, size, v[i]);
            }
        }
    }

    static void pushf(Cpu c, Insn in) {
        c.push(c.rflags() & ~(Flags.VM | Flags.RF), in.size);
    }

    /** POPF: IOPL changes only at CPL 0, IF only when CPL ≤ IOPL; RF and VM are left alone. */
    static void popf(Cpu c, Insn in) {
        long v = c.pop(in.size);
        int changeable = Flags.WRITABLE & ~Flags.RF;
        if ((c.cr0 & Cpu.CR0_PE) != 0) {
            if (c.cpl != 0) {
                changeable &= ~Flags.IOPL;
            }
            if (c.cpl > c.iopl()) {
                changeable &= ~Flags.IF;
            }
        }
        if (in.size == 2) {
            changeable &= 0xFFFF;
        }
        c.writeFlags(v, changeable);
        c.endBlock();
    }

    static void enter(Cpu c, Insn in) {
        int size = in.size;
        int level = (int) in.imm2 & 31;
        int ss = c.stackSize();
        long old = c.r[RSP];
        long oldBp = c.r[Cpu.RBP];
        try {
            c.push(c.getReg(Cpu.RBP, size), size);
            long frame = c.r[RSP];
            long bp = c.r[Cpu.RBP];
            for (int i = 1; i < level; i++) {
                bp -= size;
                long m = ss == 8 ? bp : ss == 4 ? bp & 0xFFFF_FFFFL : bp & 0xFFFF;
                c.push(c.rd(c.stackLinear(m), size), size);
            }
            if (level > 0) {
                c.push(frame, size);
            }
            c.setReg(Cpu.RBP, size, frame);
            long sp = c.r[RSP] - in.imm;
            // #PF if a write at the final stack pointer would fault (SDM, ENTER), before anything is committed.
            long fin = ss == 8 ? sp : sp & (ss == 4 ? 0xFFFF_FFFFL : 0xFFFF);
            c.translate(c.stackLinear(fin), Cpu.WRITE, c.tlbUser != 0);
            c.setSp(sp, ss);
        } catch (Fault f) {
            c.r[RSP] = old;
            c.r[Cpu.RBP] = oldBp;
            throw f;
        }
    }

    static void leave(Cpu c, Insn in) {
        int ss = c.stackSize();
        long old = c.r[RSP];
        c.setSp(c.r[Cpu.RBP], ss);
        try {
            long v = c.pop(in.size);
            c.setReg(Cpu.RBP, in.size, v);
        } catch (Fault f) {
            c.r[RSP] = old;
            throw f;
        }
    }
}
