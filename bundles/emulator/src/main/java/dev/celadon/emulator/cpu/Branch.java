package dev.celadon.emulator.cpu;

import static dev.celadon.emulator.cpu.Segment.CS;
import static dev.celadon.emulator.cpu.Segment.SS;

/** Control transfers: Jcc, JMP, CALL, RET (near and far), LOOP/JCXZ, INT n/INT3/INTO, IRET. */
final class Branch {
    private Branch() {
    }

    /** An instruction pointer truncated to the operand size (IP, EIP, RIP). */
    static long ip(long v, int size) {
        return size == 8 ? v : size == 4 ? v & 0xFFFF_FFFFL : v & 0xFFFF;
    }

    static void jcc(Cpu c, Insn in) {
        jcc(c, in, in.op2);
    }

    /** One handler per condition (separate lambda classes), so the condition is a constant for the JIT. */
    static final Exec[] JCC = {
        (c, in) -> jcc(c, in, 0), (c, in) -> jcc(c, in, 1), (c, in) -> jcc(c, in, 2), (c, in) -> jcc(c, in, 3),
        (c, in) -> jcc(c, in, 4), (c, in) -> jcc(c, in, 5), (c, in) -> jcc(c, in, 6), (c, in) -> jcc(c, in, 7),
        (c, in) -> jcc(c, in, 8), (c, in) -> jcc(c, in, 9), (c, in) -> jcc(c, in, 10), (c, in) -> jcc(c, in, 11),
        (c, in) -> jcc(c, in, 12), (c, in) -> jcc(c, in, 13), (c, in) -> jcc(c, in, 14), (c, in) -> jcc(c, in, 15)};

    private static void jcc(Cpu c, Insn in, int cc) {
        if (Flags.cond(c, cc)) {
            c.rip = ip(c.nextRip() + in.imm, in.size);
        }
    }

    static void jmpRel(Cpu c, Insn in) {
        c.rip = ip(c.nextRip() + in.imm, in.size);
    }

    static void callRel(Cpu c, Insn in) {
        long next = c.nextRip();
        c.push(next, in.size);
        c.rip = ip(next + in.imm, in.size);
    }

    static void jmpE(Cpu c, Insn in) {
        c.rip = ip(c.readE(in), in.size);
    }

    static void callE(Cpu c, Insn in) {
        long target = c.readE(in);
        c.push(c.nextRip(), in.size);
        c.rip = ip(target, in.size);
    }

    static void ret(Cpu c, Insn in) {
        long target = c.pop(in.size);
        if (in.imm != 0) {
            int ss = c.stackSize();
            c.setSp(c.r[Cpu.RSP] + in.imm, ss);
        }
        c.rip = ip(target, in.size);
    }

    /** LOOPNE, LOOPE, LOOP, JCXZ (op2 0..3); the counter is CX/ECX/RCX by address size. */
    static void loop(Cpu c, Insn in) {
        int as = in.asize;
        boolean take;
        if (in.op2 == 3) {
            take = c.getReg(1, as) == 0;
        } else {
            long cnt = (c.getReg(1, as) - 1) & Flags.MASK[as];
            c.setReg(1, as, cnt);
            take = cnt != 0 && (in.op2 == 2 || Flags.zf(c) == (in.op2 == 1));
        }
        if (take) {
            c.rip = ip(c.nextRip() + in.imm, in.size);
        }
    }

    // ---------------------------------------------------------------- far transfers

    static void jmpFar(Cpu c, Insn in) {
        farJump(c, (int) in.imm2, in.imm);
    }

    static void jmpFarE(Cpu c, Insn in) {
        long la = c.addr(in);
        long off = c.rd(la, in.size);
        int sel = (int) c.rd(la + in.size, 2);
        farJump(c, sel, off);
    }

    private static void farJump(Cpu c, int sel, long off) {
        SegOps.loadCode(c, sel, c.cpl, false);
        c.rip = ip(off, c.mode == 8 ? 8 : 4);
        c.endBlock();
    }

    static void callFar(Cpu c, Insn in) {
        farCall(c, (int) in.imm2, in.imm, in.size);
    }

    static void callFarE(Cpu c, Insn in) {
        long la = c.addr(in);
        long off = c.rd(la, in.size);
        int sel = (int) c.rd(la + in.size, 2);
        farCall(c, sel, off, in.size);
    }

    private static void farCall(Cpu c, int sel, long off, int size) {
        int oldCs = c.segSel[CS];
        long next = c.nextRip();
        long oldRsp = c.r[Cpu.RSP];
        // Push first (may fault with nothing changed but RSP, which is restored), then load CS.
        c.push(oldCs, size);
        c.push(next, size);
        try {
            SegOps.loadCode(c, sel, c.cpl, false);
        } catch (Fault f) {
            c.r[Cpu.RSP] = oldRsp;
            throw f;
        }
        c.rip = ip(off, size);
        c.endBlock();
    }

    static void retFar(Cpu c, Insn in) {
        int size = in.size;
        long off = c.peek(0, size);
        int sel = (int) c.peek(size, size) & 0xFFFF;
        boolean pm = (c.cr0 & Cpu.CR0_PE) != 0 && (c.eflags & Flags.VM) == 0;
        if (pm && (sel & 3) > c.cpl) {
            // Return to an outer privilege level: SS:RSP follow CS on the stack.
            long newSp = c.peek(2 * size + (int) in.imm, size);
            int newSs = (int) c.peek(3 * size + (int) in.imm, size) & 0xFFFF;
            int newCpl = sel & 3;
            SegOps.loadCode(c, sel, newCpl, true);
            SegOps.loadData(c, SS, newSs, newCpl);
            c.r[Cpu.RSP] = newSp;
            c.updateMode();
        } else {
            SegOps.loadCode(c, sel, pm ? sel & 3 : 0, pm);
            c.setSp(c.r[Cpu.RSP] + 2L * size + in.imm, c.stackSize());
        }
        c.rip = ip(off, size);
        c.endBlock();
    }

    // ---------------------------------------------------------------- software interrupts

    static void int3(Cpu c, Insn in) {
        Interrupts.software(c, 3, c.nextRip());
    }

    static void intN(Cpu c, Insn in) {
        Interrupts.software(c, (int) in.imm, c.nextRip());
    }

    static void into(Cpu c, Insn in) {
        if (Flags.of(c)) {
            Interrupts.software(c, 4, c.nextRip());
        }
    }

    static void iret(Cpu c, Insn in) {
        Interrupts.iret(c, in.size);
        c.endBlock();
    }
}
