package dev.celadon.emulator.cpu.difftest;

/** An r/m operand: a register code or a memory operand, of {@code bits}. */
public record Rm(int reg, Mem mem, int bits) {
    public boolean isMem() {
        return mem != null;
    }

    public String text() {
        return mem != null ? Asm.ptr(bits) + "{m}" : Asm.reg(reg, bits);
    }

    public Insn applyTo(Insn i) {
        return mem != null ? i.rm(mem) : i.rm(reg, bits);
    }
}
