package dev.celadon.emulator.cpu;

/** Decoded instructions from one physical page run in sequence: the unit of the decoded-code cache. */
final class Block {
    /** Physical address of the first byte with the decode mode in bits 60-61. */
    final long key;
    /** Physical page number and its write generation when decoded: the block is stale once they differ. */
    final long page;
    final int gen;
    final Insn[] insns;
    /** Length in bytes. */
    final int len;

    /**
     * Successors seen before (direct-chained without a lookup): only within the same virtual and physical page,
     * so the translation that led here also holds for them; the generation is still checked each time.
     */
    Block succ1, succ2;
    long succ1Rip = -1, succ2Rip = -1;

    /** Interpreted runs so far (the translation threshold), and the translation once there is one. */
    int hits;
    Translated translated;

    Block(long key, long page, int gen, Insn[] insns, int len) {
        this.key = key;
        this.page = page;
        this.gen = gen;
        this.insns = insns;
        this.len = len;
    }
}
