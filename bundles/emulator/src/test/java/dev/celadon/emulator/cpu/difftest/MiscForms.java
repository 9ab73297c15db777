package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.RAX;
import static dev.celadon.emulator.cpu.difftest.Forms.RDX;

/** CBW..CQO, LAHF/SAHF, the flag instructions, NOPs, and LOCK where it is not allowed (#UD). */
final class MiscForms {
    private MiscForms() {
    }

    static void add(List<Form> f) {
        f.add(new Form("CBW/CWDE/CDQE", b -> convert(b, 0x98, new String[] {"cbw", "cwde", "cdqe"})));
        f.add(new Form("CWD/CDQ/CQO", b -> convert(b, 0x99, new String[] {"cwd", "cdq", "cqo"})));
        f.add(new Form("LAHF", b -> simple(b, 0x9F, "lahf")));
        f.add(new Form("SAHF", b -> simple(b, 0x9E, "sahf")));
        f.add(new Form("CLC", b -> simple(b, 0xF8, "clc")));
        f.add(new Form("STC", b -> simple(b, 0xF9, "stc")));
        f.add(new Form("CMC", b -> simple(b, 0xF5, "cmc")));
        f.add(new Form("CLD", b -> simple(b, 0xFC, "cld")));
        f.add(new Form("STD", b -> simple(b, 0xFD, "std")));
        f.add(new Form("NOP, NOP r/m", MiscForms::nop));
        f.add(new Form("LOCK on a register or unlockable op (#UD)", MiscForms::badLock));
    }

    static void convert(CaseBuilder b, int opcode, String[] names) {
        int k = b.r.nextInt(3);
        int bits = 16 << k;
        b.set(RAX, Values.operand(b.r, bits));
        b.set(RDX, Values.edge(b.r, 64));
        b.asm.emit(Insn.op(opcode).size(bits).text(names[k]));
        b.compare(Flags.ARITH);
    }

    static void simple(CaseBuilder b, int opcode, String name) {
        b.set(RAX, Values.edge(b.r, 64));
        b.asm.raw(name, opcode);
        b.compare(Flags.ARITH);
    }

    static void nop(CaseBuilder b) {
        if (b.r.nextBoolean()) {
            b.asm.raw("nop", 0x90);
        } else {
            int bits = b.r.nextBoolean() ? 16 : 32;
            Rm x = Forms.rm(b, bits, false, b.r.nextBoolean());
            b.asm.emit(x.applyTo(Insn.op(0x0F, 0x1F).size(bits).ext(0)).text("nop " + x.text()));
        }
        b.compare(Flags.ARITH);
    }

    /** LOCK with a register destination, or on an instruction that cannot be locked: #UD, nothing changed. */
    static void badLock(CaseBuilder b) {
        int bits = b.pickSizeNo8();
        int k = b.r.nextInt(3);
        int d = Forms.regOperand(b, bits, false), s = Forms.regOperand(b, bits, false);
        Insn i = switch (k) {
            case 0 -> Insn.op(0x01).size(bits).reg(s, bits).rm(d, bits).text("lock add " + Asm.reg(d, bits) + "," + Asm.reg(s, bits));
            case 1 -> {
                Mem m = b.mem(bits / 8, false);
                yield Insn.op(0x8B).size(bits).reg(d, bits).rm(m).text("lock mov " + Asm.reg(d, bits) + "," + Asm.ptr(bits) + "{m}");
            }
            default -> {
                Mem m = b.mem(bits / 8, false);
                yield Insn.op(0x39).size(bits).reg(s, bits).rm(m).text("lock cmp " + Asm.ptr(bits) + "{m}," + Asm.reg(s, bits));
            }
        };
        b.asm.emit(i.lock());
        b.compare(Flags.ARITH);
    }
}
