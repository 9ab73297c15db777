package dev.celadon.emulator.cpu.difftest;

import java.util.function.Consumer;

/** An instruction form: a name (what a mismatch is reported under) and how to generate one case of it. */
public record Form(String name, Consumer<CaseBuilder> generator) {
    public TestCase generate(CaseBuilder b) {
        generator.accept(b);
        return b.build(name);
    }
}
