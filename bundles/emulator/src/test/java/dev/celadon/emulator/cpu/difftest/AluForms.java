package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.legacy;
import static dev.celadon.emulator.cpu.difftest.Forms.regOperand;
import static dev.celadon.emulator.cpu.difftest.Forms.rm;

/** ADD OR ADC SBB AND SUB XOR CMP TEST in every encoding, and their LOCKed memory forms. */
final class AluForms {
    static final String[] NAMES = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};

    private AluForms() {
    }

    /** AND OR XOR TEST leave AF undefined (SDM Vol. 2, "Flags Affected"); the others define all six. */
    static int flags(int op) {
        return op == 1 || op == 4 || op == 6 ? Flags.ARITH & ~Flags.AF : Flags.ARITH;
    }

    static void add(List<Form> f) {
        for (int op = 0; op < 8; op++) {
            int o = op;
            String n = NAMES[op].toUpperCase();
            f.add(new Form(n + " r/m,r", b -> rmReg(b, o, false)));
            f.add(new Form(n + " r,r/m", b -> regRm(b, o)));
            f.add(new Form(n + " acc,imm", b -> accImm(b, o)));
            f.add(new Form(n + " r/m,imm", b -> rmImm(b, o, false, false)));
            f.add(new Form(n + " r/m,imm8", b -> rmImm(b, o, true, false)));
            if (op != 7) {
                f.add(new Form("LOCK " + n + " m,r", b -> rmReg(b, o, true)));
                f.add(new Form("LOCK " + n + " m,imm", b -> rmImm(b, o, b.r.nextBoolean(), true)));
            }
        }
        f.add(new Form("TEST r/m,r", AluForms::testRmReg));
        f.add(new Form("TEST acc,imm", AluForms::testAccImm));
        f.add(new Form("TEST r/m,imm", AluForms::testRmImm));
    }

    static void rmReg(CaseBuilder b, int op, boolean lock) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm d = lock ? Forms.memOperand(b, bits, leg) : rm(b, bits, leg, true);
        int s = regOperand(b, bits, leg);
        Insn i = d.applyTo(Insn.op(op * 8 + (bits == 8 ? 0 : 1)).size(bits).reg(s, bits));
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + NAMES[op] + " " + d.text() + "," + Asm.reg(s, bits)));
        b.compare(flags(op));
    }

    static void regRm(CaseBuilder b, int op) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm s = rm(b, bits, leg, true);
        int d = regOperand(b, bits, leg);
        b.asm.emit(s.applyTo(Insn.op(op * 8 + (bits == 8 ? 2 : 3)).size(bits).reg(d, bits))
                .text(NAMES[op] + " " + Asm.reg(d, bits) + "," + s.text()));
        b.compare(flags(op));
    }

    static void accImm(CaseBuilder b, int op) {
        int bits = b.pickSize();
        b.setOperand(0, bits, Values.edge(b.r, bits));
        int immBits = Math.min(bits, 32);
        long imm = Values.edge(b.r, immBits);
        b.asm.emit(Insn.op(op * 8 + (bits == 8 ? 4 : 5)).size(bits).imm(imm, immBits / 8)
                .text(NAMES[op] + " " + Asm.reg(0, bits) + "," + Asm.imm(imm, bits)));
        b.compare(flags(op));
    }

    static void rmImm(CaseBuilder b, int op, boolean imm8, boolean lock) {
        int bits = imm8 ? b.pickSizeNo8() : b.pickSize();
        boolean leg = legacy(b, bits);
        Rm d = lock ? Forms.memOperand(b, bits, leg) : rm(b, bits, leg, true);
        int immBits = imm8 ? 8 : Math.min(bits, 32);
        long imm = Values.edge(b.r, immBits);
        int opc = bits == 8 ? 0x80 : imm8 ? 0x83 : 0x81;
        Insn i = d.applyTo(Insn.op(opc).size(bits).ext(op)).imm(imm, immBits / 8);
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + NAMES[op] + " " + d.text() + "," + Asm.imm(imm, bits)));
        b.compare(flags(op));
    }

    static void testRmReg(CaseBuilder b) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm d = rm(b, bits, leg, true);
        int s = regOperand(b, bits, leg);
        b.asm.emit(d.applyTo(Insn.op(bits == 8 ? 0x84 : 0x85).size(bits).reg(s, bits))
                .text("test " + d.text() + "," + Asm.reg(s, bits)));
        b.compare(flags(4));
    }

    static void testAccImm(CaseBuilder b) {
        int bits = b.pickSize();
        b.setOperand(0, bits, Values.edge(b.r, bits));
        int immBits = Math.min(bits, 32);
        long imm = Values.edge(b.r, immBits);
        b.asm.emit(Insn.op(bits == 8 ? 0xA8 : 0xA9).size(bits).imm(imm, immBits / 8)
                .text("test " + Asm.reg(0, bits) + "," + Asm.imm(imm, bits)));
        b.compare(flags(4));
    }

    static void testRmImm(CaseBuilder b) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm d = rm(b, bits, leg, true);
        int immBits = Math.min(bits, 32);
        long imm = Values.edge(b.r, immBits);
        b.asm.emit(d.applyTo(Insn.op(bits == 8 ? 0xF6 : 0xF7).size(bits).ext(0)).imm(imm, immBits / 8)
                .text("test " + d.text() + "," + Asm.imm(imm, bits)));
        b.compare(flags(4));
    }
}
