package dev.celadon.emulator.cpu.difftest;

import java.util.List;

/**
 * One generated case: machine code at {@link CaseLayout#CODE_BASE}, the general registers (encoding order:
 * RAX RCX RDX RBX RSP RBP RSI RDI R8..R15) and RFLAGS on entry, and the data buffer (a seeded fill plus
 * patches). {@code nativeCode} is what the host runs when it must differ from what the emulator runs (the
 * same length; TZCNT/LZCNT encodings, which this host executes as themselves but an emulator without BMI1/ABM
 * runs as BSF/BSR). Only {@code comparedFlags} of RFLAGS are compared (the rest are undefined for the form),
 * and no register in {@code ignoredRegs} (a bit mask).
 */
public record TestCase(String form, byte[] code, byte[] nativeCode, String disassembly, long[] regs, long rflags,
                       long fillSeed, List<MemoryRun> patches, int comparedFlags, int ignoredRegs) {
    public TestCase {
        if (code.length > CaseLayout.MAX_CODE || nativeCode.length != code.length)
            throw new IllegalArgumentException("code of " + code.length + " bytes");
        if (regs.length != 16) throw new IllegalArgumentException("16 registers");
    }

    public long end() {
        return CaseLayout.CODE_BASE + code.length;
    }

    /** The data buffer as the case starts. */
    public byte[] initialMemory() {
        byte[] b = CaseLayout.fill(fillSeed);
        for (MemoryRun p : patches) System.arraycopy(p.bytes(), 0, b, p.offset(), p.bytes().length);
        return b;
    }
}
