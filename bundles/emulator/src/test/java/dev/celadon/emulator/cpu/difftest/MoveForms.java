package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.CC;
import static dev.celadon.emulator.cpu.difftest.Forms.RAX;
import static dev.celadon.emulator.cpu.difftest.Forms.RBX;
import static dev.celadon.emulator.cpu.difftest.Forms.RCX;
import static dev.celadon.emulator.cpu.difftest.Forms.RDX;
import static dev.celadon.emulator.cpu.difftest.Forms.legacy;
import static dev.celadon.emulator.cpu.difftest.Forms.regOperand;
import static dev.celadon.emulator.cpu.difftest.Forms.rm;

/** MOV, MOVZX, MOVSX, MOVSXD, LEA, XCHG, XADD, CMPXCHG, CMPXCHG8B/16B, CMOVcc, SETcc. */
final class MoveForms {
    private MoveForms() {
    }

    static void add(List<Form> f) {
        f.add(new Form("MOV r/m,r", b -> movRm(b, true)));
        f.add(new Form("MOV r,r/m", b -> movRm(b, false)));
        f.add(new Form("MOV r/m,imm", MoveForms::movRmImm));
        f.add(new Form("MOV r,imm", MoveForms::movRegImm));
        f.add(new Form("MOV acc,moffs", b -> movMoffs(b, false)));
        f.add(new Form("MOV moffs,acc", b -> movMoffs(b, true)));
        f.add(new Form("MOVZX r,r/m8", b -> movExt(b, false, 8)));
        f.add(new Form("MOVZX r,r/m16", b -> movExt(b, false, 16)));
        f.add(new Form("MOVSX r,r/m8", b -> movExt(b, true, 8)));
        f.add(new Form("MOVSX r,r/m16", b -> movExt(b, true, 16)));
        f.add(new Form("MOVSXD r,r/m32", MoveForms::movsxd));
        f.add(new Form("LEA r,m", MoveForms::lea));
        f.add(new Form("XCHG r/m,r", MoveForms::xchg));
        f.add(new Form("XCHG acc,r", MoveForms::xchgAcc));
        f.add(new Form("XADD r/m,r", b -> xadd(b, false)));
        f.add(new Form("LOCK XADD m,r", b -> xadd(b, true)));
        f.add(new Form("CMPXCHG r/m,r", b -> cmpxchg(b, false)));
        f.add(new Form("LOCK CMPXCHG m,r", b -> cmpxchg(b, true)));
        f.add(new Form("CMPXCHG8B m64", b -> cmpxchg8b(b, false, false)));
        f.add(new Form("LOCK CMPXCHG8B m64", b -> cmpxchg8b(b, true, false)));
        f.add(new Form("CMPXCHG16B m128", b -> cmpxchg8b(b, b.r.nextBoolean(), true)));
        f.add(new Form("CMOVcc r,r/m", MoveForms::cmov));
        f.add(new Form("SETcc r/m8", MoveForms::setcc));
    }

    static void movRm(CaseBuilder b, boolean toRm) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm x = rm(b, bits, leg, true);
        int r = regOperand(b, bits, leg);
        int opc = (toRm ? 0x88 : 0x8A) + (bits == 8 ? 0 : 1);
        String ops = toRm ? x.text() + "," + Asm.reg(r, bits) : Asm.reg(r, bits) + "," + x.text();
        b.asm.emit(x.applyTo(Insn.op(opc).size(bits).reg(r, bits)).text("mov " + ops));
        b.compare(Flags.ARITH);
    }

    static void movRmImm(CaseBuilder b) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm x = rm(b, bits, leg, true);
        int immBits = Math.min(bits, 32);
        long imm = Values.edge(b.r, immBits);
        b.asm.emit(x.applyTo(Insn.op(bits == 8 ? 0xC6 : 0xC7).size(bits).ext(0)).imm(imm, immBits / 8)
                .text("mov " + x.text() + "," + Asm.imm(imm, bits)));
        b.compare(Flags.ARITH);
    }

    static void movRegImm(CaseBuilder b) {
        int bits = b.pickSize();
        int r = b.pick(bits, legacy(b, bits));
        long imm = Values.edge(b.r, bits);
        b.asm.emit(Insn.op(bits == 8 ? 0xB0 : 0xB8).size(bits).opReg(r, bits).imm(imm, bits / 8)
                .text((bits == 64 ? "movabs " : "mov ") + Asm.reg(r, bits) + "," + Asm.imm(imm, bits)));
        b.compare(Flags.ARITH);
    }

    /** A0-A3: a 64-bit absolute address in the instruction (objdump: movabs). */
    static void movMoffs(CaseBuilder b, boolean store) {
        int bits = b.pickSize();
        long addr = b.target(bits / 8);
        b.poke(addr, Values.edge(b.r, bits), bits / 8);
        b.setOperand(RAX, bits, Values.edge(b.r, bits));
        int opc = (store ? 0xA2 : 0xA0) + (bits == 8 ? 0 : 1);
        String m = "ds:" + Asm.hex(addr);
        b.asm.emit(Insn.op(opc).size(bits).imm(addr, 8)
                .text("movabs " + (store ? m + "," + Asm.reg(RAX, bits) : Asm.reg(RAX, bits) + "," + m)));
        b.compare(Flags.ARITH);
    }

    static void movExt(CaseBuilder b, boolean signed, int srcBits) {
        int bits = srcBits == 8 ? b.pickSizeNo8() : (b.r.nextBoolean() ? 32 : 64);
        boolean leg = srcBits == 8 && bits != 64 && b.r.nextInt(3) == 0; // AH..BH exclude REX.W
        Rm s = rm(b, srcBits, leg, true);
        int d = b.pick(bits, leg);
        int opc = (signed ? 0xBE : 0xB6) + (srcBits == 8 ? 0 : 1);
        String m = signed ? "movsx " : "movzx ";
        b.asm.emit(s.applyTo(Insn.op(0x0F, opc).size(bits).reg(d, bits)).text(m + Asm.reg(d, bits) + "," + s.text()));
        b.compare(Flags.ARITH);
    }

    static void movsxd(CaseBuilder b) {
        int bits = b.r.nextInt(4) == 0 ? 32 : 64; // without REX.W, 63 /r is a plain 32-bit move
        Rm s = rm(b, 32, false, true);
        int d = b.pick(bits, false);
        b.asm.emit(s.applyTo(Insn.op(0x63).size(bits).reg(d, bits)).text("movsxd " + Asm.reg(d, bits) + "," + s.text()));
        b.compare(Flags.ARITH);
    }

    /** LEA computes without touching memory: any address, wrapping at 2^64 (or 2^32 with 67). */
    static void lea(CaseBuilder b) {
        int bits = b.pickSizeNo8();
        Mem m = b.r.nextInt(4) == 0 ? b.mem(1, false) : b.memAt(Values.edge(b.r, 64), false);
        int d = b.pick(bits, false);
        b.asm.emit(Insn.op(0x8D).size(bits).reg(d, bits).rm(m).text("lea " + Asm.reg(d, bits) + ",{m}"));
        b.compare(Flags.ARITH);
    }

    static void xchg(CaseBuilder b) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm x = rm(b, bits, leg, true);
        int r = regOperand(b, bits, leg);
        boolean lock = x.isMem() && b.r.nextInt(4) == 0; // implicit with memory; LOCK allowed too
        Insn i = x.applyTo(Insn.op(bits == 8 ? 0x86 : 0x87).size(bits).reg(r, bits));
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + "xchg " + x.text() + "," + Asm.reg(r, bits)));
        b.compare(Flags.ARITH);
    }

    /** 90+r: with r = 0 and no REX.B that is NOP; 87 C0 (XCHG EAX,EAX) still zero-extends RAX. */
    static void xchgAcc(CaseBuilder b) {
        int bits = b.pickSizeNo8();
        int r = 1 + b.r.nextInt(15);
        b.setOperand(RAX, bits, Values.edge(b.r, bits));
        b.setOperand(r, bits, Values.edge(b.r, bits));
        b.asm.emit(Insn.op(0x90).size(bits).opReg(r, bits).text("xchg " + Asm.reg(r, bits) + "," + Asm.reg(RAX, bits)));
        b.compare(Flags.ARITH);
    }

    static void xadd(CaseBuilder b, boolean lock) {
        int bits = b.pickSize();
        boolean leg = legacy(b, bits);
        Rm d = lock ? Forms.memOperand(b, bits, leg) : rm(b, bits, leg, true);
        int s = regOperand(b, bits, leg);
        Insn i = d.applyTo(Insn.op(0x0F, bits == 8 ? 0xC0 : 0xC1).size(bits).reg(s, bits));
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + "xadd " + d.text() + "," + Asm.reg(s, bits)));
        b.compare(Flags.ARITH);
    }

    static void cmpxchg(CaseBuilder b, boolean lock) {
        int bits = b.pickSize();
        b.reserve(RAX);
        boolean leg = legacy(b, bits);
        Rm d = lock ? Forms.memOperand(b, bits, leg) : rm(b, bits, leg, true);
        int s = regOperand(b, bits, leg);
        // half the time the accumulator equals the destination, so the store happens
        if (b.r.nextBoolean()) {
            long v = d.isMem() ? ArithForms.memValue(b, bits) : d.reg() >= 16 ? b.reg(d.reg() - 16) >> 8 : b.reg(d.reg());
            b.setOperand(RAX, bits, v);
        } else {
            b.setOperand(RAX, bits, Values.edge(b.r, bits));
        }
        Insn i = d.applyTo(Insn.op(0x0F, bits == 8 ? 0xB0 : 0xB1).size(bits).reg(s, bits));
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + "cmpxchg " + d.text() + "," + Asm.reg(s, bits)));
        b.compare(Flags.ARITH);
    }

    /** CMPXCHG8B defines ZF and leaves the rest unchanged; CMPXCHG16B needs a 16-byte aligned operand (#GP). */
    static void cmpxchg8b(CaseBuilder b, boolean lock, boolean wide) {
        int n = wide ? 16 : 8;
        b.reserve(RAX, RDX, RCX, RBX);
        long t = b.target(n);
        if (wide && b.r.nextInt(8) != 0) t &= ~15L;
        Mem m = b.memAt(t, false);
        long lo = Values.edge(b.r, 64), hi = Values.edge(b.r, 64);
        b.poke(t, lo, 8);
        b.poke(t + 8, hi, wide ? 8 : 0);
        if (!wide) {
            hi = lo >> 32;
            lo &= 0xFFFFFFFFL;
        }
        boolean equal = b.r.nextBoolean();
        b.set(RAX, equal ? lo | (b.r.nextLong() << 32 & (wide ? 0 : -1L)) : Values.edge(b.r, 64));
        b.set(RDX, equal ? hi | (b.r.nextLong() << 32 & (wide ? 0 : -1L)) : Values.edge(b.r, 64));
        Insn i = Insn.op(0x0F, 0xC7).size(wide ? 64 : 32).ext(1).rm(m);
        if (lock) i.lock();
        b.asm.emit(i.text((lock ? "lock " : "") + (wide ? "cmpxchg16b " : "cmpxchg8b ") + Asm.ptr(wide ? 128 : 64) + "{m}"));
        b.compare(Flags.ARITH);
    }

    static void cmov(CaseBuilder b) {
        int bits = b.pickSizeNo8();
        int cc = b.r.nextInt(16);
        Rm s = rm(b, bits, false, true);
        int d = regOperand(b, bits, false);
        b.asm.emit(s.applyTo(Insn.op(0x0F, 0x40 + cc).size(bits).reg(d, bits))
                .text("cmov" + CC[cc] + " " + Asm.reg(d, bits) + "," + s.text()));
        b.compare(Flags.ARITH);
    }

    static void setcc(CaseBuilder b) {
        int cc = b.r.nextInt(16);
        boolean leg = b.r.nextInt(3) == 0;
        Rm d = rm(b, 8, leg, true);
        b.asm.emit(d.applyTo(Insn.op(0x0F, 0x90 + cc).size(8).ext(0)).text("set" + CC[cc] + " " + d.text()));
        b.compare(Flags.ARITH);
    }

}
