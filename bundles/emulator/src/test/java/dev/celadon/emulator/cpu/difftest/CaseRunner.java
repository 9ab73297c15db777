package dev.celadon.emulator.cpu.difftest;

/** Something that runs a case: the emulator (or, to check the harness itself, the host again). */
public interface CaseRunner extends AutoCloseable {
    Outcome run(TestCase c);

    @Override
    default void close() {
    }
}
