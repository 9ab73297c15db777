package dev.celadon.emulator.cpu;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Which instruction form a decoded {@link Insn} is, for the translator: the decoder picks a handler per
 * form ({@link Insn#exec}), and this table maps those handler objects to what the translator knows about them.
 *
 * <p>Why by probing: the decoder names its handlers with method references at many call sites (one lambda
 * object per site), so the table is built by decoding one sample encoding per site and recording the handler
 * it yields. A form missing here is not an error: the translator then calls its handler, which is always
 * exact. {@link #resolved()} says how many sample encodings resolved (a test checks all of them do).
 */
final class ExecForms {
    private ExecForms() {
    }

    /** Forms the translator emits inline; {@link #DIRECT}: a direct static call to the named handler. */
    static final int MOV_EG = 1, MOV_GE = 2, MOV_EI = 3, MOVZX = 4, MOVSX = 5, LEA = 6, INC = 7, DEC = 8, TEST_EG = 9,
            TEST_EI = 10, PUSH_R = 11, POP_R = 12, PUSH_I = 13, JMP_REL = 14, CALL_REL = 15, RET = 16, NOP = 17,
            SHIFT = 18, DIRECT = 19,
            ALU_EG = 20, ALU_GE = 28, ALU_EI = 36, JCC = 44, CMOV = 60, SETCC = 76;

    /** A form: its kind and, for DIRECT, the handler's class and method (static void m(Cpu, Insn)). */
    record Form(int kind, Class<?> owner, String method) {
    }

    private static final Map<Exec, Form> FORMS = new IdentityHashMap<>();
    private static int probes;
    private static int resolved;

    static {
        for (int op = 0; op < 8; op++) {
            put(IntOps.ALU_EG[op], ALU_EG + op);
            put(IntOps.ALU_GE[op], ALU_GE + op);
            put(IntOps.ALU_EI[op], ALU_EI + op);
        }
        for (int cc = 0; cc < 16; cc++) {
            put(Branch.JCC[cc], JCC + cc);
            put(IntOps.CMOV[cc], CMOV + cc);
            put(IntOps.SETCC[cc], SETCC + cc);
        }
        probe(MOV_EG, 8, 0x88, 0xC0);
        probe(MOV_EG, 8, 0x89, 0xC0);
        probe(MOV_EG, 8, 0xA3, 0, 0, 0, 0, 0, 0, 0, 0);
        probe(MOV_GE, 8, 0x8A, 0xC0);
        probe(MOV_GE, 8, 0x8B, 0xC0);
        probe(MOV_GE, 8, 0x63, 0xC0);
        probe(MOV_GE, 8, 0xA1, 0, 0, 0, 0, 0, 0, 0, 0);
        probe(MOV_EI, 8, 0xB0, 0);
        probe(MOV_EI, 8, 0xB8, 0, 0, 0, 0);
        probe(MOV_EI, 8, 0xC6, 0xC0, 0);
        probe(MOV_EI, 8, 0xC7, 0xC0, 0, 0, 0, 0);
        probe(MOVZX, 8, 0x0F, 0xB6, 0xC0);
        probe(MOVZX, 8, 0x0F, 0xB7, 0xC0);
        probe(MOVSX, 8, 0x0F, 0xBE, 0xC0);
        probe(MOVSX, 8, 0x0F, 0xBF, 0xC0);
        probe(MOVSX, 8, 0x48, 0x63, 0xC0);
        probe(LEA, 8, 0x8D, 0x00);
        probe(INC, 4, 0x40);
        probe(DEC, 4, 0x48);
        probe(INC, 8, 0xFE, 0xC0);
        probe(DEC, 8, 0xFE, 0xC8);
        probe(INC, 8, 0xFF, 0xC0);
        probe(DEC, 8, 0xFF, 0xC8);
        probe(TEST_EG, 8, 0x84, 0xC0);
        probe(TEST_EG, 8, 0x85, 0xC0);
        probe(TEST_EI, 8, 0xA8, 0);
        probe(TEST_EI, 8, 0xA9, 0, 0, 0, 0);
        probe(TEST_EI, 8, 0xF6, 0xC0, 0);
        probe(TEST_EI, 8, 0xF7, 0xC0, 0, 0, 0, 0);
        probe(PUSH_R, 8, 0x50);
        probe(POP_R, 8, 0x58);
        probe(PUSH_I, 8, 0x68, 0, 0, 0, 0);
        probe(PUSH_I, 8, 0x6A, 0);
        probe(JMP_REL, 8, 0xE9, 0, 0, 0, 0);
        probe(JMP_REL, 8, 0xEB, 0);
        probe(CALL_REL, 8, 0xE8, 0, 0, 0, 0);
        probe(RET, 8, 0xC3);
        probe(RET, 8, 0xC2, 0, 0);
        probe(NOP, 8, 0x90);
        probe(NOP, 8, 0x0F, 0x1F, 0x00);
        probe(SHIFT, 8, 0xC0, 0xE0, 1);
        probe(SHIFT, 8, 0xC1, 0xE0, 1);
        probe(SHIFT, 8, 0xD0, 0xE0);
        probe(SHIFT, 8, 0xD1, 0xE0);
        direct(IntOps.class, "shiftCl", 8, 0xD2, 0xE0);
        direct(IntOps.class, "shiftCl", 8, 0xD3, 0xE0);
        direct(IntOps.class, "imul2", 8, 0x0F, 0xAF, 0xC0);
        direct(IntOps.class, "imul3", 8, 0x69, 0xC0, 0, 0, 0, 0);
        direct(IntOps.class, "imul3", 8, 0x6B, 0xC0, 0);
        direct(IntOps.class, "mul", 8, 0xF7, 0xE0);
        direct(IntOps.class, "imul1", 8, 0xF7, 0xE8);
        direct(IntOps.class, "div", 8, 0xF7, 0xF0);
        direct(IntOps.class, "idiv", 8, 0xF7, 0xF8);
        direct(IntOps.class, "not", 8, 0xF7, 0xD0);
        direct(IntOps.class, "neg", 8, 0xF7, 0xD8);
        direct(IntOps.class, "cbw", 8, 0x98);
        direct(IntOps.class, "cwd", 8, 0x99);
        direct(IntOps.class, "xchg", 8, 0x87, 0xC0);
        direct(IntOps.class, "xchg", 8, 0x86, 0xC0);
        direct(IntOps.class, "xchg", 8, 0x91);
        direct(IntOps.class, "xadd", 8, 0x0F, 0xC1, 0xC0);
        direct(IntOps.class, "cmpxchg", 8, 0x0F, 0xB1, 0xC0);
        direct(IntOps.class, "bsf", 8, 0x0F, 0xBC, 0xC0);
        direct(IntOps.class, "bsr", 8, 0x0F, 0xBD, 0xC0);
        direct(IntOps.class, "bswap", 8, 0x0F, 0xC8);
        direct(IntOps.class, "btG", 8, 0x0F, 0xA3, 0xC0);
        direct(IntOps.class, "btI", 8, 0x0F, 0xBA, 0xE0, 0);
        direct(StackOps.class, "leave", 8, 0xC9);
        direct(StackOps.class, "pushE", 8, 0xFF, 0x30);
        direct(Branch.class, "jmpE", 8, 0xFF, 0xE0);
        direct(Branch.class, "callE", 8, 0xFF, 0xD0);
    }

    private static void put(Exec e, int kind) {
        FORMS.put(e, new Form(kind, null, null));
    }

    private static void probe(int kind, int mode, int... bytes) {
        record(new Form(kind, null, null), mode, bytes);
    }

    private static void direct(Class<?> owner, String method, int mode, int... bytes) {
        record(new Form(DIRECT, owner, method), mode, bytes);
    }

    private static void record(Form f, int mode, int... bytes) {
        probes++;
        ByteBuffer b = ByteBuffer.allocate(16);
        for (int i = 0; i < bytes.length; i++) {
            b.put(i, (byte) bytes[i]);
        }
        // The decoder needs its Cpu only to fetch across a page end, which a 16-byte sample never does.
        Insn in = new Decoder(null).decode(b, 0, 16, 0, mode);
        if (in.end == bytes.length && in.exec != null && FORMS.putIfAbsent(in.exec, f) == null) {
            resolved++;
        } else if (in.end == bytes.length && FORMS.get(in.exec).equals(f)) {
            resolved++;
        }
    }

    /** The form of a handler, or null (the translator then calls it through {@link Exec}). */
    static Form of(Exec e) {
        return FORMS.get(e);
    }

    /** Sample encodings that resolved to a handler, of {@link #probes()}. */
    static int resolved() {
        return resolved;
    }

    static int probes() {
        return probes;
    }
}
