package dev.celadon.emulator.cpu.difftest;

import java.util.ArrayList;
import java.util.List;

/** The catalogue of instruction forms, and the operand helpers the form groups share. */
public final class Forms {
    private Forms() {
    }

    public static List<Form> all() {
        List<Form> f = new ArrayList<>();
        AluForms.add(f);
        ArithForms.add(f);
        ShiftForms.add(f);
        BitForms.add(f);
        MoveForms.add(f);
        ControlForms.add(f);
        StackForms.add(f);
        StringForms.add(f);
        MiscForms.add(f);
        return f;
    }

    /** Registers, and the RAX/RCX/RDX/RBX/RSP/RBP/RSI/RDI codes, for readability. */
    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

    /**
     * An r/m operand of {@code bits}: a register holding an edge value or (if {@code memOk}, half the time) a
     * memory operand holding one. {@code legacy}: the instruction has no REX (AH..BH in use).
     */
    static Rm rm(CaseBuilder b, int bits, boolean legacy, boolean memOk) {
        if (memOk && b.r.nextBoolean()) {
            Mem m = b.mem(bits / 8, legacy);
            b.pokeOperand(bits);
            return new Rm(-1, m, bits);
        }
        int c = b.pick(bits, legacy);
        b.setOperand(c, bits, Values.edge(b.r, bits));
        return new Rm(c, null, bits);
    }

    static Rm memOperand(CaseBuilder b, int bits, boolean legacy) {
        Mem m = b.mem(Math.max(1, bits / 8), legacy);
        b.pokeOperand(Math.min(64, bits));
        return new Rm(-1, m, bits);
    }

    /** A register operand of {@code bits} with an edge value. */
    static int regOperand(CaseBuilder b, int bits, boolean legacy) {
        int c = b.pick(bits, legacy);
        b.setOperand(c, bits, Values.edge(b.r, bits));
        return c;
    }

    /** For 8-bit forms, a third of the cases use AH..BH (and so no REX). */
    static boolean legacy(CaseBuilder b, int bits) {
        return bits == 8 && b.r.nextInt(3) == 0;
    }

    static String mnemonic(String m, String ops) {
        return m + " " + ops;
    }

    static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
}
