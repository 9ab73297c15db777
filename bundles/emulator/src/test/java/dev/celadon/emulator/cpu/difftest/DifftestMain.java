package dev.celadon.emulator.cpu.difftest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The bench-sized run (bench/difftest/run.sh): {@code DifftestMain <cases> <seed> [--all] [--report FILE]}.
 * Prints cases run, forms covered, mismatches per form and the first reproducer of each; exits 1 on any.
 */
public final class DifftestMain {
    private DifftestMain() {
    }

    public static void main(String[] args) throws Exception {
        long cases = args.length > 0 ? Long.parseLong(args[0].replace("_", "")) : 1_000_000;
        long seed = args.length > 1 ? Long.decode(args[1]) : 1;
        boolean all = List.of(args).contains("--all");
        int ri = List.of(args).indexOf("--report");
        List<Form> forms = all ? Forms.all() : Exclusions.included(Forms.all());
        long perForm = (cases + forms.size() - 1) / forms.size();
        Path scratch = Files.createTempDirectory("difftest");
        Difftest.Report r;
        String emuStats;
        // The tier from -Dceladon.emulator.tier (bench/difftest/run.sh --tier); the translator translates at once.
        dev.celadon.emulator.cpu.Tier emuTier = dev.celadon.emulator.cpu.Tier.fromSystemProperty();
        try (NativeOracle host = NativeOracle.start(scratch);
             EmulatorRunner emu = new EmulatorRunner(emuTier)) {
            r = Difftest.run(forms, perForm, seed, host, emu, scratch);
            emuStats = emu.translationStatistics();
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format("seed %#x, %d forms (%d excluded%s), %d per form%n", seed, forms.size(),
                Exclusions.EXCLUDED.size(), all ? " but run" : "", perForm));
        s.append("tier ").append(emuTier).append(' ').append(emuStats).append('\n');
        s.append(r.summary());
        s.append(String.format("%.0f cases/s (host and emulator together)%n", r.cases / r.seconds));
        r.unsupported.forEach((f, rep) -> s.append("\nunimplemented ").append(rep));
        r.firstReproducer.forEach((f, rep) -> s.append('\n').append(rep));
        System.out.print(s);
        if (ri >= 0) Files.writeString(Path.of(args[ri + 1]), s);
        System.exit(r.mismatches == 0 ? 0 : 1);
    }
}
