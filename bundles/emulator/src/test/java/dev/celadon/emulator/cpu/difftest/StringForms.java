package dev.celadon.emulator.cpu.difftest;

import java.util.List;

import static dev.celadon.emulator.cpu.difftest.Forms.RAX;
import static dev.celadon.emulator.cpu.difftest.Forms.RBX;
import static dev.celadon.emulator.cpu.difftest.Forms.RCX;
import static dev.celadon.emulator.cpu.difftest.Forms.RDI;
import static dev.celadon.emulator.cpu.difftest.Forms.RSI;

/**
 * MOVS CMPS STOS LODS SCAS, alone and with REP/REPE/REPNE, counts 0-8, DF either way, 64- or 32-bit
 * addresses (67: ECX/ESI/EDI, the upper halves ignored), sometimes running off the buffer (#PF part way,
 * with RCX/RSI/RDI showing the progress); and XLAT.
 */
final class StringForms {
    private StringForms() {
    }

    static void add(List<Form> f) {
        String[] names = {"movs", "cmps", "stos", "lods", "scas"};
        int[] opc = {0xA4, 0xA6, 0xAA, 0xAC, 0xAE};
        for (int k = 0; k < 5; k++) {
            int op = opc[k];
            String n = names[k];
            boolean compares = k == 1 || k == 4;
            f.add(new Form(n.toUpperCase(), b -> string(b, n, op, 0)));
            f.add(new Form((compares ? "REPE " : "REP ") + n.toUpperCase(), b -> string(b, n, op, 0xF3)));
            if (compares) f.add(new Form("REPNE " + n.toUpperCase(), b -> string(b, n, op, 0xF2)));
        }
        f.add(new Form("XLAT", StringForms::xlat));
    }

    static void string(CaseBuilder b, String m, int opcode, int rep) {
        int size = 1 << b.r.nextInt(4), bits = size * 8;
        boolean addr32 = b.r.nextInt(6) == 0;
        boolean down = b.r.nextBoolean();
        b.flags(down ? b.rflags | Flags.DF : b.rflags & ~Flags.DF);
        int n = rep != 0 ? b.r.nextInt(9) : 1;
        boolean usesSi = !m.equals("stos") && !m.equals("scas"), usesDi = !m.equals("lods");
        b.reserve(RAX, RCX, RSI, RDI);
        long si = place(b, n, size, down), di = place(b, n, size, down);
        b.fix(RSI, addr32 ? b.r.nextLong() << 32 | si : si);
        b.fix(RDI, addr32 ? b.r.nextLong() << 32 | di : di);
        if (rep != 0) b.fix(RCX, addr32 ? b.r.nextLong() << 32 | n : b.r.nextInt(20) == 0 ? 0 : n);
        b.setOperand(RAX, bits, Values.edge(b.r, bits));
        long step = down ? -size : size;
        if (m.equals("cmps") || m.equals("scas")) {
            // equal elements for a while (REPE) or unequal ones (REPNE), so the repeat stops part way
            int same = b.r.nextInt(n + 2);
            for (int k = 0; k < n; k++) {
                boolean equal = (k < same) == (rep != 0xF2);
                long v = m.equals("scas") ? b.reg(RAX) : Values.edge(b.r, bits);
                long w = equal ? v : v ^ (1L << b.r.nextInt(bits));
                if (m.equals("cmps")) b.poke(si + k * step, v, size);
                b.poke(di + k * step, w, size);
            }
        } else if (usesSi || usesDi) {
            for (int k = 0; k < n; k++) b.poke((usesSi ? si : di) + k * step, Values.edge(b.r, bits), size);
        }
        String p = Asm.ptr(bits);
        String si32 = addr32 ? "esi" : "rsi", di32 = addr32 ? "edi" : "rdi";
        String es = p + "es:[" + di32 + "]", ds = p + "ds:[" + si32 + "]", acc = Asm.reg(RAX, bits);
        String ops = switch (m) {
            case "movs" -> es + "," + ds;
            case "cmps" -> ds + "," + es;
            case "stos" -> es + "," + acc;
            case "lods" -> acc + "," + ds;
            default -> acc + "," + es;
        };
        String prefix = rep == 0 ? "" : rep == 0xF2 ? "repnz " : (m.equals("cmps") || m.equals("scas")) ? "repz " : "rep ";
        Insn i = Insn.op(opcode + (size == 1 ? 0 : 1)).size(bits);
        if (rep != 0) i.rep(rep);
        if (addr32) i.addr32();
        b.asm.emit(i.text(prefix + m + " " + ops));
        b.compare(Flags.ARITH); // CMPS/SCAS define all six; the others change none
    }

    /** A start address with room for n elements in the direction of travel (rarely without: a #PF). */
    static long place(CaseBuilder b, int n, int size, boolean down) {
        int span = Math.max(1, n) * size;
        if (b.r.nextInt(50) == 0) {
            return down ? CaseLayout.DATA_BASE + b.r.nextInt(span) : CaseLayout.DATA_END - 1 - b.r.nextInt(span);
        }
        long a = CaseLayout.DATA_BASE + span + b.r.nextInt(CaseLayout.DATA_SIZE - 2 * span - 8);
        if (b.r.nextBoolean()) a &= -size;
        return a;
    }

    /** XLAT: AL = [RBX + AL] (EBX + AL with 67). */
    static void xlat(CaseBuilder b) {
        b.reserve(RBX, RAX);
        boolean addr32 = b.r.nextInt(4) == 0;
        int al = b.r.nextInt(256);
        long base = CaseLayout.DATA_BASE + b.r.nextInt(CaseLayout.DATA_SIZE - 256);
        b.fix(RBX, addr32 ? b.r.nextLong() << 32 | base : base);
        b.setOperand(RAX, 8, al);
        b.poke(base + al, Values.edge(b.r, 8), 1);
        Insn i = Insn.op(0xD7).size(8);
        if (addr32) i.addr32();
        b.asm.emit(i.text("xlat BYTE PTR ds:[" + (addr32 ? "ebx" : "rbx") + "]"));
        b.compare(Flags.ARITH);
    }
}
