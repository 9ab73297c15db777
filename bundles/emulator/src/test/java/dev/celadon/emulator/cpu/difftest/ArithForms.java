package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.RAX;
import static dev.celadon.emulator.cpu.difftest.Forms.RDX;
import static dev.celadon.emulator.cpu.difftest.Forms.legacy;
import static dev.celadon.emulator.cpu.difftest.Forms.regOperand;
import static dev.celadon.emulator.cpu.difftest.Forms.rm;

/** INC DEC NEG NOT, MUL and IMUL in their three forms, DIV and IDIV (with #DE). */
final class ArithForms {
    private ArithForms() {
    }

    static void add(List<Form> f) {
        String[] unary = {"inc", "dec", "not", "neg"};
        int[] digit = {0, 1, 2, 3};
        for (int k = 0; k < 4; k++) {
            int d = digit[k];
            String m = unary[k];
            f.add(new Form(m.toUpperCase() + " r/m", b -> unary(b, m, d, false)));
            f.add(new Form("LOCK " + m.toUpperCase() + " m", b -> unary(b, m, d, true)));
        }
        f.add(new Form("MUL r/m", b -> mulDiv(b, "mul", 4)));
        f.add(new Form("IMUL r/m", b -> mulDiv(b, "imul", 5)));
        f.add(new Form("DIV r/m", b -> mulDiv(b, "div", 6)));
        f.add(new Form("IDIV r/m", b -> mulDiv(b, "idiv", 7)));
        f.add(new Form("IMUL r,r/m", ArithForms::imul2));
        f.add(new Form("IMUL r,r/m,imm", ArithForms::imul3));
    }

    static void unary(CaseBuilder b, String m, int digit, boolean lock) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm d = lock ? Forms.memOperand(b, bits, leg) : rm(b, bits, leg, true);
        Insn i = d.applyTo(Insn.op(bits == 8 ? 0xFE : 0xFF).size(bits).ext(digit));
        if (digit >= 2) i = d.applyTo(Insn.op(bits == 8 ? 0xF6 : 0xF7).size(bits).ext(digit));
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + m + " " + d.text()));
        // INC/DEC keep CF, NOT keeps all: "unchanged" is defined, so every flag is compared
        b.compare(Flags.ARITH);
    }

    static void mulDiv(CaseBuilder b, String m, int digit) {
        int bits = b.pickSize();
        b.reserve(RAX, RDX);
        boolean leg = legacy(b, bits);
        Rm s = rm(b, bits, leg, true);
        long mask = Values.mask(bits);
        if (digit >= 6) {
            // the dividend is (R/E)DX:(R/E)AX, or AX for bytes; mostly quotients that fit, sometimes #DE
            long divisor = s.isMem() ? memValue(b, bits) : (s.reg() >= 16 ? b.reg(s.reg() - 16) >> 8 : b.reg(s.reg())) & mask;
            boolean signed = digit == 7;
            long lo = Values.edge(b.r, bits) & mask;
            long hi;
            int kind = b.r.nextInt(8);
            if (kind == 0 || divisor == 0) hi = Values.edge(b.r, bits) & mask; // overflow (or /0): #DE
            else if (signed) hi = lo >> (bits - 1) & 1L;                      // the sign extension of lo
            else hi = Long.remainderUnsigned(Values.edge(b.r, 64), divisor);   // hi < divisor
            if (signed && kind != 0) hi = (hi & 1) != 0 ? mask : 0;
            if (bits == 8) {
                b.setOperand(RAX, 16, hi << 8 | lo);
            } else {
                b.setOperand(RAX, bits, lo);
                b.setOperand(RDX, bits, hi);
            }
            if (b.r.nextInt(10) == 0 && !s.isMem() && s.reg() != RAX && s.reg() != RDX && s.reg() < 16)
                b.setOperand(s.reg(), bits, 0); // #DE by zero
            b.compare(0); // all six flags undefined after DIV/IDIV
        } else {
            b.setOperand(RAX, bits, Values.edge(b.r, bits));
            b.compare(Flags.CF | Flags.OF); // SF ZF AF PF undefined
        }
        b.asm.emit(s.applyTo(Insn.op(bits == 8 ? 0xF6 : 0xF7).size(bits).ext(digit)).text(m + " " + s.text()));
    }

    static long memValue(CaseBuilder b, int bits) {
        TestCase t = b.build("probe");
        byte[] mem = t.initialMemory();
        long v = 0;
        for (int k = bits / 8 - 1; k >= 0; k--) {
            long a = b.lastTarget + k - CaseLayout.DATA_BASE;
            v = v << 8 | (a >= 0 && a < mem.length ? mem[(int) a] & 0xFF : 0);
        }
        return v;
    }

    static void imul2(CaseBuilder b) {
        int bits = b.pickSizeNo8();
        Rm s = rm(b, bits, false, true);
        int d = regOperand(b, bits, false);
        b.asm.emit(s.applyTo(Insn.op(0x0F, 0xAF).size(bits).reg(d, bits))
                .text("imul " + Asm.reg(d, bits) + "," + s.text()));
        b.compare(Flags.CF | Flags.OF);
    }

    static void imul3(CaseBuilder b) {
        int bits = b.pickSizeNo8();
        Rm s = rm(b, bits, false, true);
        int d = b.pick(bits, false);
        boolean imm8 = b.r.nextBoolean();
        int immBits = imm8 ? 8 : Math.min(bits, 32);
        long imm = Values.edge(b.r, immBits);
        b.asm.emit(s.applyTo(Insn.op(imm8 ? 0x6B : 0x69).size(bits).reg(d, bits)).imm(imm, immBits / 8)
                .text("imul " + Asm.reg(d, bits) + "," + s.text() + "," + Asm.imm(imm, bits)));
        b.compare(Flags.CF | Flags.OF);
    }
}
