package dev.celadon.emulator.cpu;

import java.lang.invoke.VarHandle;

/** Instructions with no operands to speak of: NOPs, fences, the #UD forms. */
final class Ops {
    private Ops() {
    }

    static void nop(Cpu c, Insn in) {
    }

    /** PAUSE: a spin-wait hint; give the host core away briefly so a spinning vCPU does not starve the one it waits for. */
    static void pause(Cpu c, Insn in) {
        Thread.onSpinWait();
    }

    /** UD2, UD0, UD1 and invalid encodings: a defined #UD, not an emulator gap. */
    static void ud(Cpu c, Insn in) {
        throw Fault.ud();
    }

    /** An instruction this CPU does not implement: #UD, reported once per RIP. */
    static void unimplemented(Cpu c, Insn in) {
        c.unimplemented();
    }

    static void lfence(Cpu c, Insn in) {
        VarHandle.loadLoadFence();
    }

    static void sfence(Cpu c, Insn in) {
        VarHandle.storeStoreFence();
    }

    static void mfence(Cpu c, Insn in) {
        VarHandle.fullFence();
    }

    /** CLFLUSH: caches are coherent here; only the address is checked (it must translate). */
    static void clflush(Cpu c, Insn in) {
        c.translate(c.addr(in), Cpu.READ, c.tlbUser != 0);
        VarHandle.fullFence();
    }
}
