package dev.celadon.emulator.cpu.difftest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cross-checks the encoder against objdump: for {@code perForm} cases of every form, the instruction
 * boundaries objdump finds must be the encoder's, and its text the text the form expects.
 */
public final class EncodingCheck {
    private EncodingCheck() {
    }

    /** The disagreements, one line each (empty when the encoder and objdump agree everywhere). */
    public static List<String> check(List<Form> forms, int perForm, long seed, Path dir) throws IOException, InterruptedException {
        SplittableRandom root = new SplittableRandom(seed);
        List<byte[]> codes = new ArrayList<>();
        List<Asm> asms = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Form f : forms)
            for (int k = 0; k < perForm; k++) {
                CaseBuilder b = new CaseBuilder(root.split());
                f.generate(b);
                codes.add(b.asm.bytes());
                asms.add(b.asm);
                names.add(f.name());
            }
        List<List<Objdump.Line>> dis = Objdump.disassemble(codes, dir);
        List<String> problems = new ArrayList<>();
        for (int c = 0; c < codes.size(); c++) {
            Asm a = asms.get(c);
            List<Objdump.Line> got = dis.get(c);
            List<String> want = new ArrayList<>();
            for (String t : a.texts()) want.add(Objdump.normalise(t));
            boolean ok = got.size() == want.size();
            for (int k = 0; ok && k < got.size(); k++)
                ok = got.get(k).offset() == a.starts().get(k) && got.get(k).text().equals(want.get(k));
            if (!ok) {
                List<String> g = new ArrayList<>();
                for (Objdump.Line l : got) g.add(l.offset() + ":" + l.text());
                List<String> w = new ArrayList<>();
                for (int k = 0; k < want.size(); k++) w.add(a.starts().get(k) + ":" + want.get(k));
                problems.add(names.get(c) + " [" + HexFormat.ofDelimiter(" ").formatHex(codes.get(c)) + "] objdump " + g + " expected " + w);
            }
        }
        return problems;
    }

    public static void main(String[] args) throws Exception {
        List<String> p = check(Forms.all(), args.length > 0 ? Integer.parseInt(args[0]) : 5, 1, Path.of("/tmp/dt/objdump"));
        p.forEach(System.out::println);
        System.out.println(p.size() + " problems");
    }
}
