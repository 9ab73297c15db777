package dev.celadon.emulator.cpu.difftest;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The encoder against binutils: every form, sampled, disassembles to the instructions the form meant. */
class EncodingTest {
    @Test
    void objdumpAgreesWithEveryForm() throws Exception {
        Assumptions.assumeTrue(Objdump.available(), "objdump (binutils) not installed");
        List<String> problems = EncodingCheck.check(Forms.all(), 20, 42, Path.of("target/difftest/objdump"));
        assertEquals(List.of(), problems.subList(0, Math.min(20, problems.size())), problems.size() + " disagreements");
    }
}
