package dev.celadon.emulator.cpu.difftest;

/**
 * One instruction to encode: prefixes, opcode, the ModRM reg field (a register or an opcode extension), the
 * r/m operand (a register code or a {@link Mem}), an immediate, and the text objdump should print for it
 * (Intel syntax; "{m}" stands for the memory operand, whose RIP-relative displacement is known only once
 * encoded).
 *
 * Register codes: 0-15 in encoding order; for 8-bit operands 4-7 are SPL BPL SIL DIL (they need a REX
 * prefix) and {@link #AH}..{@link #BH} (16-19) are the legacy high bytes (they forbid one).
 */
public final class Insn {
    public static final int AH = 16, CH = 17, DH = 18, BH = 19;

    int group1 = -1;        // F0 (LOCK), F2, F3
    int segment = -1;       // 2E/3E/26/36: a prefix without effect in 64-bit mode
    int opSize = 32;        // 8/16/32/64; 16 adds 66, 64 adds REX.W unless default64
    boolean addr32;         // a 67 prefix without a memory operand (string ops, XLAT, JECXZ)
    boolean default64;      // PUSH/POP/near branches: 64-bit without REX.W
    byte[] opcode;
    int opcodeReg = -1;     // register added to the last opcode byte (B8+r, 50+r, C8+r)
    int regField = -1;      // ModRM.reg: register code or /digit
    boolean regIsRegister;
    int regSize;            // size of the register in ModRM.reg (for the 8-bit REX rules)
    int rmReg = -1;         // ModRM.rm as a register
    int rmSize;
    Mem mem;
    long imm;
    int immSize;
    long imm2;              // ENTER's second immediate
    int imm2Size;
    String text = "";

    public static Insn op(int... opcode) {
        Insn i = new Insn();
        i.opcode = new byte[opcode.length];
        for (int k = 0; k < opcode.length; k++) i.opcode[k] = (byte) opcode[k];
        return i;
    }

    public Insn size(int bits) {
        opSize = bits;
        return this;
    }

    public Insn lock() {
        group1 = 0xF0;
        return this;
    }

    public Insn rep(int prefix) {
        group1 = prefix;
        return this;
    }

    public Insn segment(int prefix) {
        segment = prefix;
        return this;
    }

    public Insn addr32() {
        addr32 = true;
        return this;
    }

    public Insn default64() {
        default64 = true;
        return this;
    }

    /** ModRM.reg is a register of {@code bits} bits. */
    public Insn reg(int code, int bits) {
        regField = code;
        regIsRegister = true;
        regSize = bits;
        return this;
    }

    /** ModRM.reg is an opcode extension (/digit). */
    public Insn ext(int digit) {
        regField = digit;
        regIsRegister = false;
        return this;
    }

    public Insn rm(int code, int bits) {
        rmReg = code;
        rmSize = bits;
        return this;
    }

    public Insn rm(Mem m) {
        mem = m;
        return this;
    }

    public Insn opReg(int code, int bits) {
        opcodeReg = code;
        rmSize = bits;
        return this;
    }

    public Insn imm(long value, int bytes) {
        imm = value;
        immSize = bytes;
        return this;
    }

    public Insn imm2(long value, int bytes) {
        imm2 = value;
        imm2Size = bytes;
        return this;
    }

    public Insn text(String t) {
        text = t;
        return this;
    }
}
