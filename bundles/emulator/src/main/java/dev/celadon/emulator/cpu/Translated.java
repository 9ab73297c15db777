package dev.celadon.emulator.cpu;

/**
 * A block translated to JVM bytecode: {@link BlockTranslator} generates one hidden subclass per {@link Block}.
 * {@link #run} does exactly what the interpreter's loop does for the block's instructions (the same state
 * changes, the same {@code cur}/{@code retired} bookkeeping for faults, the same early exit when an
 * instruction sets {@code stop}); the run loop calls it in place of that loop.
 */
abstract class Translated {
    /** Size of the generated class file, for the translation budget. */
    int classBytes;

    abstract void run(Cpu c);
}
