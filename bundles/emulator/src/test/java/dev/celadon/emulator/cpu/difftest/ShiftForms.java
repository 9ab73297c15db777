package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.RCX;
import static dev.celadon.emulator.cpu.difftest.Forms.legacy;
import static dev.celadon.emulator.cpu.difftest.Forms.rm;

/** SHL SHR SAR ROL ROR RCL RCR by 1, CL and imm8; SHLD SHRD by CL and imm8. */
final class ShiftForms {
    static final String[] NAMES = {"rol", "ror", "rcl", "rcr", "shl", "shr", null, "sar"};

    private ShiftForms() {
    }

    static void add(List<Form> f) {
        for (int d = 0; d < 8; d++) {
            if (NAMES[d] == null) continue;
            int digit = d;
            String n = NAMES[d].toUpperCase();
            f.add(new Form(n + " r/m,1", b -> shift(b, digit, 1)));
            f.add(new Form(n + " r/m,CL", b -> shift(b, digit, 2)));
            f.add(new Form(n + " r/m,imm8", b -> shift(b, digit, 3)));
        }
        f.add(new Form("SHLD r/m,r,imm8", b -> doubleShift(b, false, false)));
        f.add(new Form("SHLD r/m,r,CL", b -> doubleShift(b, false, true)));
        f.add(new Form("SHRD r/m,r,imm8", b -> doubleShift(b, true, false)));
        f.add(new Form("SHRD r/m,r,CL", b -> doubleShift(b, true, true)));
    }

    /** encoding 1: D0/D1 (by 1), 2: D2/D3 (by CL), 3: C0/C1 ib. */
    static void shift(CaseBuilder b, int digit, int encoding) {
        int bits = b.pickSize();
        if (encoding == 2) b.reserve(RCX);
        boolean leg = legacy(b, bits);
        Rm d = rm(b, bits, leg, true);
        int count = encoding == 1 ? 1 : Values.count(b.r, bits);
        Insn i;
        String c;
        if (encoding == 1) {
            i = Insn.op(bits == 8 ? 0xD0 : 0xD1);
            c = "1";
        } else if (encoding == 2) {
            if (!d.isMem() && d.reg() == RCX) count = (int) b.reg(RCX) & 0xFF; // shifting CL itself
            else b.setOperand(RCX, 8, count);
            i = Insn.op(bits == 8 ? 0xD2 : 0xD3);
            c = "cl";
        } else {
            i = Insn.op(bits == 8 ? 0xC0 : 0xC1).imm(count, 1);
            c = Asm.hex(count & 0xFF);
        }
        b.asm.emit(d.applyTo(i.size(bits).ext(digit)).text(NAMES[digit] + " " + d.text() + "," + c));
        b.compare(definedFlags(digit, bits, count));
    }

    /**
     * The flags a shift or rotate defines (SDM Vol. 2 SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR; AMD APM Vol. 3):
     * the count is masked to 5 bits (6 for 64-bit operands); a masked count of 0 changes nothing (all
     * compared, as unchanged); OF only for a count of 1; AF undefined after any shift; rotates touch only CF
     * and OF; CF of SHL/SHR undefined when the count is at least the operand size.
     */
    static int definedFlags(int digit, int bits, int count) {
        int mc = count & (bits == 64 ? 63 : 31);
        if (mc == 0) return Flags.ARITH;
        int f;
        if (digit <= 3) {
            f = Flags.ARITH & ~Flags.OF;
        } else {
            f = Flags.CF | Flags.SF | Flags.ZF | Flags.PF;
            if ((digit == 4 || digit == 5) && mc >= bits) f &= ~Flags.CF;
        }
        if (mc == 1) f |= Flags.OF;
        return f;
    }

    static void doubleShift(CaseBuilder b, boolean right, boolean byCl) {
        int bits = b.pickSizeNo8();
        if (byCl) b.reserve(RCX);
        Rm d = rm(b, bits, false, true);
        int s = Forms.regOperand(b, bits, false);
        int count = Values.count(b.r, bits);
        // a 16-bit double shift by more than 16 has an undefined result (SDM SHLD/SHRD): not generated
        if (bits == 16 && (count & 31) > 16) count &= 15;
        String c;
        Insn i;
        if (byCl) {
            if (s == RCX || !d.isMem() && d.reg() == RCX) {
                count = (int) b.reg(RCX) & 0xFF;
                if (bits == 16 && (count & 31) > 16) {
                    count &= 15;
                    b.setOperand(RCX, 8, count);
                }
            } else {
                b.setOperand(RCX, 8, count);
            }
            i = Insn.op(0x0F, right ? 0xAD : 0xA5);
            c = "cl";
        } else {
            i = Insn.op(0x0F, right ? 0xAC : 0xA4).imm(count, 1);
            c = Asm.hex(count & 0xFF);
        }
        b.asm.emit(d.applyTo(i.size(bits).reg(s, bits))
                .text((right ? "shrd " : "shld ") + d.text() + "," + Asm.reg(s, bits) + "," + c));
        int mc = count & (bits == 64 ? 63 : 31);
        b.compare(mc == 0 ? Flags.ARITH : mc == 1 ? Flags.ARITH & ~Flags.AF : Flags.CF | Flags.SF | Flags.ZF | Flags.PF);
    }
}
