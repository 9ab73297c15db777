package dev.celadon.emulator.cpu;

/** What a decoded instruction does; the decoder picks one per instruction form. */
@FunctionalInterface
interface Exec {
    void run(Cpu c, Insn in);
}
