package dev.celadon.emulator.cpu.difftest;

import dev.celadon.emulator.cpu.Tier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The emulator's CPU against the host CPU, instruction form by instruction form: a fixed seed and a fixed
 * count per form, every case run natively (oracle.c) and on {@link dev.celadon.emulator.cpu.Cpu}, compared
 * on registers, RIP, the defined flags, the data buffer and the exception. Fails with a reproducer per
 * mismatching form. The bench (bench/difftest/run.sh) runs the same with millions of cases.
 */
class DifferentialTest {
    static final long SEED = 0xCE1AD0;
    static final int PER_FORM = 400;

    @Test
    void interpreterAgreesWithTheHost() throws Exception {
        agreesWithTheHost(Tier.INTERPRETER);
    }

    /** The translator tier, every case's code translated at its first run (threshold 0). */
    @Test
    void translatorAgreesWithTheHost() throws Exception {
        String stats = agreesWithTheHost(Tier.TRANSLATOR);
        assertTrue(stats.contains(" failed=0 "), stats);
        assertTrue(!stats.startsWith("translated=0 "), stats);
    }

    private static String agreesWithTheHost(Tier tier) throws Exception {
        Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")) && "Linux".equals(System.getProperty("os.name")),
                "the oracle runs x86-64 code natively on Linux");
        List<Form> forms = Exclusions.included(Forms.all());
        Difftest.Report r;
        String stats;
        try (NativeOracle host = NativeOracle.start(Path.of("target/difftest"));
             EmulatorRunner emu = new EmulatorRunner(tier)) {
            r = Difftest.run(forms, PER_FORM, SEED, host, emu, Path.of("target/difftest/objdump"));
            stats = emu.translationStatistics();
        }
        System.out.print(tier + " " + stats + "\n" + r.summary());
        assertEquals((long) PER_FORM * forms.size(), r.cases);
        assertTrue(r.hostExceptions > 0, "exceptions are part of the test");
        if (r.mismatches > 0) {
            StringBuilder s = new StringBuilder(r.summary());
            r.unsupported.forEach((f, rep) -> s.append("\nunimplemented ").append(rep));
            r.firstReproducer.forEach((f, rep) -> s.append('\n').append(rep));
            fail(tier + ": " + s);
        }
        return stats;
    }
}
