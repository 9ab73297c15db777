package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.CC;
import static dev.celadon.emulator.cpu.difftest.Forms.RCX;
import static dev.celadon.emulator.cpu.difftest.Forms.RSP;

/**
 * Branches, as short sequences that stay inside the case: a forward Jcc/JMP over a marker move (which
 * shows whether it was taken), a counted loop closed by a backward Jcc or LOOP, indirect JMP, CALL/RET.
 */
final class ControlForms {
    private ControlForms() {
    }

    static void add(List<Form> f) {
        f.add(new Form("Jcc rel8", b -> jccForward(b, false)));
        f.add(new Form("Jcc rel32", b -> jccForward(b, true)));
        f.add(new Form("Jcc rel8 backward (loop)", b -> jccLoop(b, false)));
        f.add(new Form("Jcc rel32 backward (loop)", b -> jccLoop(b, true)));
        f.add(new Form("JMP rel8/rel32", ControlForms::jmpForward));
        f.add(new Form("JMP r/m64", ControlForms::jmpIndirect));
        f.add(new Form("LOOP/LOOPE/LOOPNE", ControlForms::loop));
        f.add(new Form("JRCXZ/JECXZ", ControlForms::jrcxz));
        f.add(new Form("CALL rel32, RET", b -> callRet(b, false)));
        f.add(new Form("CALL r/m64, RET imm16", b -> callRet(b, true)));
    }

    /** MOV r32, imm32 (B8+r): flag-neutral evidence that the code between a branch and its target ran. */
    static void marker(CaseBuilder b, int avoid) {
        int r;
        do r = b.r.nextInt(16); while (r == avoid || r == RSP || b.isFixed(r));
        long v = b.r.nextInt();
        b.asm.emit(Insn.op(0xB8).size(32).opReg(r, 32).imm(v, 4).text("mov " + Asm.reg(r, 32) + "," + Asm.imm(v, 32)));
    }

    static void jccForward(CaseBuilder b, boolean rel32) {
        int cc = b.r.nextInt(16);
        int[] br = rel32 ? b.asm.branch("j" + CC[cc], 4, 0x0F, 0x80 + cc) : b.asm.branch("j" + CC[cc], 1, 0x70 + cc);
        marker(b, -1);
        b.asm.bind(br, b.asm.size());
        marker(b, -1);
        b.compare(Flags.ARITH);
    }

    /** {@code L: add a, c; dec n; jnz L} with n = 1..4 iterations, so the backward branch is taken n-1 times. */
    static void jccLoop(CaseBuilder b, boolean rel32) {
        int a = 8 + b.r.nextInt(4), c = 12 + b.r.nextInt(4), ctr = b.r.nextInt(4) == 0 ? RCX : 2 + b.r.nextInt(2) * 4;
        b.fix(ctr, b.r.nextLong() << 32 | (1 + b.r.nextInt(4)));
        int top = b.asm.size();
        b.asm.emit(Insn.op(0x01).size(64).reg(c, 64).rm(a, 64).text("add " + Asm.reg(a, 64) + "," + Asm.reg(c, 64)));
        b.asm.emit(Insn.op(0xFF).size(32).ext(1).rm(ctr, 32).text("dec " + Asm.reg(ctr, 32)));
        int[] br = rel32 ? b.asm.branch("jne", 4, 0x0F, 0x85) : b.asm.branch("jne", 1, 0x75);
        b.asm.bind(br, top);
        b.compare(Flags.ARITH);
    }

    static void jmpForward(CaseBuilder b) {
        boolean rel32 = b.r.nextBoolean();
        int[] br = rel32 ? b.asm.branch("jmp", 4, 0xE9) : b.asm.branch("jmp", 1, 0xEB);
        marker(b, -1);
        b.asm.bind(br, b.asm.size());
        b.compare(Flags.ARITH);
    }

    /** JMP to an address held in a register or in memory; the target is the end of the case. */
    static void jmpIndirect(CaseBuilder b) {
        boolean memory = b.r.nextBoolean();
        int r = b.r.nextInt(16);
        Mem m = memory ? b.mem(8, false) : null;
        if (memory) r = -1;
        else b.reserve(r);
        // the target depends on the encoded length: encode once to learn it, then again for real
        Asm probe = new Asm();
        Insn i = memory ? Insn.op(0xFF).default64().size(64).ext(4).rm(m) : Insn.op(0xFF).default64().size(64).ext(4).rm(r, 64);
        probe.emit(i);
        long markerLen = 5;
        long target = CaseLayout.CODE_BASE + probe.size() + markerLen; // over the marker
        if (memory) b.poke(b.lastTarget, target, 8);
        else b.fix(r, target);
        b.asm.emit(i.text("jmp " + (memory ? "QWORD PTR {m}" : Asm.reg(r, 64))));
        int before = b.asm.size();
        b.asm.emit(Insn.op(0xB8).size(32).opReg(0, 32).imm(0x1234, 4).text("mov eax,0x1234"));
        if (b.asm.size() - before != markerLen) throw new AssertionError("marker length");
        b.compare(Flags.ARITH);
    }

    static void loop(CaseBuilder b) {
        int kind = b.r.nextInt(3); // E2 LOOP, E1 LOOPE, E0 LOOPNE
        b.fix(RCX, 1 + b.r.nextInt(4));
        int a = 8 + b.r.nextInt(8);
        int top = b.asm.size();
        // an ADD that sometimes yields zero, so LOOPE/LOOPNE end on ZF as well
        long imm = b.r.nextBoolean() ? 0 : 1;
        b.asm.emit(Insn.op(0x83).size(64).ext(0).rm(a, 64).imm(imm, 1).text("add " + Asm.reg(a, 64) + "," + Asm.hex(imm)));
        String m = new String[] {"loop", "loope", "loopne"}[kind];
        int[] br = b.asm.branch(m, 1, 0xE2 - kind);
        b.asm.bind(br, top);
        b.compare(Flags.ARITH);
    }

    static void jrcxz(CaseBuilder b) {
        boolean e = b.r.nextBoolean();
        long v = b.r.nextBoolean() ? 0 : b.r.nextBoolean() ? 1L << 32 : Values.edge(b.r, 64);
        b.fix(RCX, v);
        int[] br = e ? b.asm.branch("jecxz", 1, 0x67, 0xE3) : b.asm.branch("jrcxz", 1, 0xE3);
        marker(b, RCX);
        b.asm.bind(br, b.asm.size());
        b.compare(Flags.ARITH);
    }

    /**
     * {@code call L1; jmp L2; L1: ret [imm16]; L2:} with RSP in the buffer: the return address is stored
     * and popped, and RET imm16 releases more.
     */
    static void callRet(CaseBuilder b, boolean indirect) {
        b.stack(64, 64);
        int[] call;
        int r = -1;
        if (indirect) {
            do r = b.r.nextInt(16); while (r == RSP);
            b.reserve(r);
            // FF /2 with a register: REX.B for r8-r15; length 2 or 3
            int len = r >= 8 ? 3 : 2;
            long l1 = CaseLayout.CODE_BASE + len + 2;
            b.fix(r, l1);
            b.asm.emit(Insn.op(0xFF).default64().size(64).ext(2).rm(r, 64).text("call " + Asm.reg(r, 64)));
            call = null;
        } else {
            call = b.asm.branch("call", 4, 0xE8);
        }
        int[] jmp = b.asm.branch("jmp", 1, 0xEB);
        if (call != null) b.asm.bind(call, b.asm.size());
        else if (b.asm.size() != (r >= 8 ? 5 : 4)) throw new AssertionError("call r/m64 layout");
        if (indirect) {
            int imm = b.r.nextInt(3) * 8;
            b.asm.emit(Insn.op(0xC2).imm(imm, 2).text("ret " + Asm.hex(imm)));
        } else {
            b.asm.raw("ret", 0xC3);
        }
        b.asm.bind(jmp, b.asm.size());
        b.compare(Flags.ARITH);
    }
}
