package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.regOperand;
import static dev.celadon.emulator.cpu.difftest.Forms.rm;

/** BT BTS BTR BTC (register and immediate offsets, register and memory bases), BSF BSR, TZCNT/LZCNT, BSWAP. */
final class BitForms {
    static final String[] BT = {"bt", "bts", "btr", "btc"};
    static final int[] BT_RM_R = {0xA3, 0xAB, 0xB3, 0xBB};

    private BitForms() {
    }

    static void add(List<Form> f) {
        for (int k = 0; k < 4; k++) {
            int op = k;
            String n = BT[k].toUpperCase();
            f.add(new Form(n + " r,r", b -> btReg(b, op)));
            f.add(new Form(n + " r,imm8", b -> btImm(b, op, false, false)));
            f.add(new Form(n + " m,r", b -> btMemReg(b, op, false)));
            f.add(new Form(n + " m,imm8", b -> btImm(b, op, true, false)));
            if (k > 0) {
                f.add(new Form("LOCK " + n + " m,r", b -> btMemReg(b, op, true)));
                f.add(new Form("LOCK " + n + " m,imm8", b -> btImm(b, op, true, true)));
            }
        }
        f.add(new Form("BSF r,r/m", b -> bitScan(b, false, false)));
        f.add(new Form("BSR r,r/m", b -> bitScan(b, true, false)));
        f.add(new Form("F3 BSF (TZCNT) r,r/m", b -> bitScan(b, false, true)));
        f.add(new Form("F3 BSR (LZCNT) r,r/m", b -> bitScan(b, true, true)));
        f.add(new Form("BSWAP r", BitForms::bswap));
    }

    /** BT* leave OF SF AF PF undefined, and ZF too on AMD (APM Vol. 3): only CF is compared. */
    static final int BT_FLAGS = Flags.CF;

    static void btReg(CaseBuilder b, int op) {
        int bits = b.pickSizeNo8();
        int d = regOperand(b, bits, false);
        int s = regOperand(b, bits, false);
        b.asm.emit(Insn.op(0x0F, BT_RM_R[op]).size(bits).reg(s, bits).rm(d, bits)
                .text(BT[op] + " " + Asm.reg(d, bits) + "," + Asm.reg(s, bits)));
        b.compare(BT_FLAGS);
    }

    static void btImm(CaseBuilder b, int op, boolean memory, boolean lock) {
        int bits = b.pickSizeNo8();
        Rm d = memory ? Forms.memOperand(b, bits, false) : rm(b, bits, false, false);
        int imm = b.r.nextInt(3) == 0 ? b.r.nextInt(256) : b.r.nextInt(bits);
        Insn i = d.applyTo(Insn.op(0x0F, 0xBA).size(bits).ext(4 + op)).imm(imm, 1);
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + BT[op] + " " + d.text() + "," + Asm.hex(imm)));
        b.compare(BT_FLAGS);
    }

    /**
     * With a memory base and a register offset the offset is signed and not masked: the word touched is at
     * the address plus (offset >> log2(size)) * size/8. The touched word is placed in the buffer, so the
     * operand's own address may lie far outside it.
     */
    static void btMemReg(CaseBuilder b, int op, boolean lock) {
        int bits = b.pickSizeNo8();
        int s = b.pickReg(false);
        long offset = switch (b.r.nextInt(4)) {
            case 0 -> b.r.nextInt(bits);
            case 1 -> b.r.nextInt(8 * 2048) - 8 * 1024;
            case 2 -> -1 - b.r.nextInt(64);
            default -> b.r.nextInt(8 * 12000) - 8 * 6000;
        };
        int bytes = bits / 8;
        long word = Math.floorDiv(offset, bits) * bytes;
        long touched = b.target(bytes);
        b.reserve(s);
        Mem m = b.memAt(touched - word, false);
        if (b.isFixed(s)) {
            // the offset register is also the base or index: the offset is whatever the address needs
            offset = (b.reg(s) << (64 - bits)) >> (64 - bits);
            word = Math.floorDiv(offset, bits) * bytes;
        } else {
            b.setOperand(s, bits, offset);
        }
        b.poke(touched, Values.edge(b.r, bits), bytes);
        Insn i = Insn.op(0x0F, BT_RM_R[op]).size(bits).reg(s, bits).rm(m);
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + BT[op] + " " + Asm.ptr(bits) + "{m}," + Asm.reg(s, bits)));
        b.compare(BT_FLAGS);
    }

    /**
     * BSF/BSR define ZF only; with a zero source AMD leaves the destination unchanged (APM Vol. 3; Linux's
     * ffs() relies on it), and that is compared. With an F3 prefix the emulator (no BMI1/ABM) runs BSF/BSR
     * while this host runs TZCNT/LZCNT, so the host runs the same length with a 3E prefix instead.
     */
    static void bitScan(CaseBuilder b, boolean reverse, boolean f3) {
        int bits = b.pickSizeNo8();
        Rm s = rm(b, bits, false, true);
        if (b.r.nextInt(4) == 0) {
            if (s.isMem()) b.poke(b.lastTarget, 0, bits / 8);
            else b.setOperand(s.reg(), bits, 0);
        }
        int d = b.pick(bits, false);
        String m = reverse ? "bsr" : "bsf";
        Insn i = s.applyTo(Insn.op(0x0F, reverse ? 0xBD : 0xBC).size(bits).reg(d, bits));
        if (f3) {
            Asm host = new Asm();
            host.emit(s.applyTo(Insn.op(0x0F, reverse ? 0xBD : 0xBC).size(bits).reg(d, bits)).segment(0x3E));
            b.nativeCode(host.bytes());
            i.rep(0xF3);
            m = reverse ? "lzcnt" : "tzcnt";
        }
        b.asm.emit(i.text(m + " " + Asm.reg(d, bits) + "," + s.text()));
        b.compare(Flags.ZF);
    }

    static void bswap(CaseBuilder b) {
        int bits = b.r.nextBoolean() ? 32 : 64; // BSWAP of a 16-bit register is undefined
        int r = regOperand(b, bits, false);
        b.asm.emit(Insn.op(0x0F, 0xC8).size(bits).opReg(r, bits).text("bswap " + Asm.reg(r, bits)));
        b.compare(Flags.ARITH);
    }
}
