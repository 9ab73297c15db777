package dev.celadon.emulator.cpu.difftest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The differential run: cases generated per form from a seed (each form from its own stream, so excluding a
 * form leaves the others' cases unchanged), run in batches on the host (the oracle) and in a
 * {@link CaseRunner}, compared. Mismatches are grouped by form, with the first reproducer of each.
 */
public final class Difftest {
    /** The outcome of a run. */
    public static final class Report {
        public long cases;
        public int forms;
        public long mismatches;
        public long hostExceptions;
        /** Per form: mismatching cases and the first reproducer. */
        public final Map<String, Long> mismatchCount = new LinkedHashMap<>();
        public final Map<String, String> firstReproducer = new LinkedHashMap<>();
        /** Forms the emulator reported unimplemented, with the first reproducer. */
        public final Map<String, String> unsupported = new LinkedHashMap<>();
        public double seconds;
        /** Time in the oracle (including the pipes) and in the emulator runner, and generating. */
        public double hostSeconds, emulatorSeconds, generateSeconds;

        public String summary() {
            StringBuilder s = new StringBuilder();
            s.append(String.format("%d cases, %d forms, %d mismatches in %d forms (%d unimplemented), %d host exceptions, %.1f s%n",
                    cases, forms, mismatches, mismatchCount.size(), unsupported.size(), hostExceptions, seconds));
            s.append(String.format("  time: generating %.1f s, host %.1f s (%.0f cases/s), emulator %.1f s (%.0f cases/s)%n",
                    generateSeconds, hostSeconds, cases / hostSeconds, emulatorSeconds, cases / emulatorSeconds));
            mismatchCount.forEach((f, n) -> s.append(String.format("  %-40s %d%n", f, n)));
            return s.toString();
        }
    }

    private Difftest() {
    }

    /** Case {@code k} of form number {@code f}: reproducible from (seed, form name, k). */
    public static TestCase generate(Form form, long seed, long k) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + form.name().hashCode() * 0xBF58476D1CE4E5B9L + k);
        return form.generate(new CaseBuilder(r));
    }

    public static Report run(List<Form> forms, long perForm, long seed, NativeOracle host, CaseRunner emu, Path scratch)
            throws IOException {
        long t0 = System.nanoTime();
        Report rep = new Report();
        rep.forms = forms.size();
        int batch = 4096;
        List<TestCase> pending = new ArrayList<>(batch);
        for (long k = 0; k < perForm; k++) {
            for (Form f : forms) {
                long g0 = System.nanoTime();
                pending.add(generate(f, seed, k));
                rep.generateSeconds += (System.nanoTime() - g0) / 1e9;
                if (pending.size() == batch) {
                    compare(pending, host, emu, rep, scratch);
                    pending.clear();
                }
            }
        }
        compare(pending, host, emu, rep, scratch);
        rep.seconds = (System.nanoTime() - t0) / 1e9;
        return rep;
    }

    private static void compare(List<TestCase> cases, NativeOracle host, CaseRunner emu, Report rep, Path scratch)
            throws IOException {
        if (cases.isEmpty()) return;
        long t0 = System.nanoTime();
        List<Outcome> native_ = host.run(cases);
        rep.hostSeconds += (System.nanoTime() - t0) / 1e9;
        for (int i = 0; i < cases.size(); i++) {
            TestCase c = cases.get(i);
            Outcome h = native_.get(i);
            rep.cases++;
            if (h.status() == Outcome.Status.EXCEPTION) rep.hostExceptions++;
            long e0 = System.nanoTime();
            Outcome e = emu.run(c);
            rep.emulatorSeconds += (System.nanoTime() - e0) / 1e9;
            List<String> d = Comparison.differences(c, h, e);
            if (d.isEmpty()) continue;
            rep.mismatches++;
            // the emulator stopped, or raised #UD where the host ran the instruction: not implemented (yet)
            boolean unimplemented = e.status() == Outcome.Status.UNSUPPORTED
                    || e.status() == Outcome.Status.EXCEPTION && e.vector() == 6 && h.vector() != 6;
            Map<String, String> first = unimplemented ? rep.unsupported : rep.firstReproducer;
            rep.mismatchCount.merge(c.form(), 1L, Long::sum);
            if (!first.containsKey(c.form()))
                first.put(c.form(), Comparison.reproducer(c, d, Objdump.text(c.code(), scratch)));
        }
    }
}
