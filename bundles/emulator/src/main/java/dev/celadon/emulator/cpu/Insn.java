package dev.celadon.emulator.cpu;

/**
 * One decoded instruction: its handler and operands, decoded once and kept in a {@link Block}. Positions are
 * offsets inside the block, so the same block serves every virtual address its physical page is mapped at.
 */
final class Insn {
    Exec exec;
    /** Offset of the first byte in the block, offset past the last byte, index in the block. */
    int off, end, idx;
    /** Operand size and address size in bytes. */
    int size, asize;
    /** ModRM.reg (with REX.R), or the register in the opcode; byte registers AH..BH are 16..19. */
    int reg;
    /** The register operand when ModRM.mod = 3, else -1 (a memory operand). */
    int rm = -1;
    /** Memory operand: base and index registers (-1 none), scale shift, displacement, segment (-1: base 0). */
    int base = -1, index = -1, scale;
    long disp;
    int seg;
    boolean ripRel;
    long imm, imm2;
    /** Sub-operation: ALU operation, shift kind, condition code, or a variant. */
    int op2;
    /** Prefix bits (REP, REPNE, LOCK, REX present). */
    int pfx;
    /** Ends its block: a control transfer, or it may change the mode or the code that follows. */
    boolean terminator;

    static final int P_REP = 1, P_REPNE = 2, P_LOCK = 4, P_REX = 8, P_OPSIZE = 16;

    boolean lock() {
        return (pfx & P_LOCK) != 0;
    }
}
