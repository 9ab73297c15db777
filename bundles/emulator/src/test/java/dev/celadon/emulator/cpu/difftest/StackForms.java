package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.RBP;
import static dev.celadon.emulator.cpu.difftest.Forms.RSP;

/** PUSH and POP (registers, memory, immediates; 64- and 16-bit), PUSH/POP RSP, ENTER and LEAVE. */
final class StackForms {
    private StackForms() {
    }

    static void add(List<Form> f) {
        f.add(new Form("PUSH r", b -> pushPopReg(b, true)));
        f.add(new Form("POP r", b -> pushPopReg(b, false)));
        f.add(new Form("PUSH r/m", b -> pushPopMem(b, true)));
        f.add(new Form("POP r/m", b -> pushPopMem(b, false)));
        f.add(new Form("PUSH imm", StackForms::pushImm));
        f.add(new Form("PUSHF", b -> pushfPopf(b, true)));
        f.add(new Form("POPF", b -> pushfPopf(b, false)));
        f.add(new Form("ENTER imm16,imm8", StackForms::enter));
        f.add(new Form("LEAVE", StackForms::leave));
    }

    /** 50+r / 58+r; 66 makes them 16-bit; RSP itself included (PUSH RSP stores the old value, POP RSP loads). */
    static void pushPopReg(CaseBuilder b, boolean push) {
        int bits = b.r.nextInt(4) == 0 ? 16 : 64;
        b.stack(32, 32);
        int r = b.r.nextInt(16);
        if (!push) b.poke(b.reg(RSP), Values.edge(b.r, 64), 8);
        b.asm.emit(Insn.op(push ? 0x50 : 0x58).default64().size(bits).opReg(r, bits)
                .text((push ? "push " : "pop ") + Asm.reg(r, bits)));
        b.compare(Flags.ARITH);
    }

    /** FF /6 and 8F /0 with a memory operand addressed without RSP (POP computes it after the increment). */
    static void pushPopMem(CaseBuilder b, boolean push) {
        int bits = b.r.nextInt(4) == 0 ? 16 : 64;
        b.stack(32, 32);
        Mem m = b.mem(bits / 8, false);
        b.poke(b.lastTarget, Values.edge(b.r, bits), bits / 8);
        if (!push) b.poke(b.reg(RSP), Values.edge(b.r, 64), 8);
        Insn i = push ? Insn.op(0xFF).ext(6) : Insn.op(0x8F).ext(0);
        b.asm.emit(i.default64().size(bits).rm(m).text((push ? "push " : "pop ") + Asm.ptr(bits) + "{m}"));
        b.compare(Flags.ARITH);
    }

    static void pushImm(CaseBuilder b) {
        boolean imm8 = b.r.nextBoolean();
        int bits = b.r.nextInt(4) == 0 ? 16 : 64;
        b.stack(32, 32);
        int immBits = imm8 ? 8 : bits == 16 ? 16 : 32;
        long imm = Values.edge(b.r, immBits);
        b.asm.emit(Insn.op(imm8 ? 0x6A : 0x68).default64().size(bits).imm(imm, immBits / 8)
                .text((bits == 16 ? "pushw " : "push ") + Asm.imm(imm, bits)));
        b.compare(Flags.ARITH);
    }

    /**
     * PUSHFQ/POPFQ (66: 16-bit). The host runs with IF=1 and so does the emulator's case; POPF at CPL 3
     * with IOPL 0 leaves IF alone. The popped image holds only the user flags, bit 1, IF and sometimes
     * IOPL/NT bits (ignored or kept as the architecture says); never TF or AC (a trap, alignment checks).
     */
    static void pushfPopf(CaseBuilder b, boolean push) {
        int bits = b.r.nextInt(4) == 0 ? 16 : 64;
        b.stack(32, 32);
        if (!push) {
            long img = b.r.nextLong() & Flags.USER | 2 | (b.r.nextBoolean() ? 0x200 : 0);
            b.poke(b.reg(RSP), img | (b.r.nextLong() & ~0xFFFFL & Values.mask(64)) & ~0x3F_FFFFL, 8);
        }
        b.asm.emit(Insn.op(push ? 0x9C : 0x9D).default64().size(bits).text((push ? "pushf" : "popf") + (bits == 16 ? "w" : "")));
        b.compare(Flags.ARITH);
    }

    /**
     * ENTER size, level: push RBP, copy level-1 frame pointers from below the old RBP, push the new frame
     * pointer (level > 0), then RSP -= size. RBP and RSP both point into the buffer.
     */
    static void enter(CaseBuilder b) {
        int level = b.r.nextInt(4) == 0 ? 0 : b.r.nextInt(4);
        int size = b.r.nextInt(3) == 0 ? 0 : b.r.nextInt(64) * (b.r.nextBoolean() ? 8 : 1);
        b.stack(8 * level + 16 + 8, 32);
        long bp = CaseLayout.DATA_BASE + 8 * level + 8 + b.r.nextInt(CaseLayout.DATA_SIZE - 8 * level - 16) & ~7L;
        b.reserve(RBP);
        b.fix(RBP, bp);
        b.asm.emit(Insn.op(0xC8).imm(size, 2).imm2(level, 1).text("enter " + Asm.hex(size) + "," + Asm.hex(level)));
        b.compare(Flags.ARITH);
    }

    static void leave(CaseBuilder b) {
        b.stack(32, 32);
        long bp = CaseLayout.DATA_BASE + b.r.nextInt(CaseLayout.DATA_SIZE - 8);
        if (b.r.nextInt(4) != 0) bp &= ~7L;
        b.reserve(RBP);
        b.fix(RBP, bp);
        b.poke(bp, Values.edge(b.r, 64), 8);
        b.asm.emit(Insn.op(0xC9).text("leave"));
        b.compare(Flags.ARITH);
    }
}
