package dev.celadon.emulator.cpu.difftest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** binutils' disassembler (objdump, Intel syntax) over code placed at {@link CaseLayout#CODE_BASE}. */
public final class Objdump {
    /** One decoded instruction: its offset in the code and its normalised text. */
    public record Line(int offset, String text) {
    }

    private static final Pattern INSN = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f ]+)\\t(.*)$");
    private static final Pattern FILE = Pattern.compile("^(\\S+):\\s+file format binary$");

    private Objdump() {
    }

    public static boolean available() {
        try {
            Process p = new ProcessBuilder("objdump", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Disassembles each code blob (one objdump process for all of them). */
    public static List<List<Line>> disassemble(List<byte[]> codes, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of("objdump", "-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel",
                "--adjust-vma=" + Asm.hex(CaseLayout.CODE_BASE)));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < codes.size(); i++) {
            Path f = dir.resolve("c" + i + ".bin");
            Files.write(f, codes.get(i));
            files.add(f);
            cmd.add(f.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("objdump failed: " + out);
        List<List<Line>> result = new ArrayList<>();
        List<Line> cur = null;
        for (String l : out.split("\n")) {
            if (FILE.matcher(l).matches()) {
                cur = new ArrayList<>();
                result.add(cur);
                continue;
            }
            Matcher m = INSN.matcher(l);
            if (m.matches() && cur != null)
                cur.add(new Line((int) (Long.parseLong(m.group(1), 16) - CaseLayout.CODE_BASE), normalise(m.group(3))));
        }
        for (Path f : files) Files.deleteIfExists(f);
        if (result.size() != codes.size()) throw new IOException("objdump printed " + result.size() + " of " + codes.size() + " files");
        return result;
    }

    /** One space between words, no trailing comment ("# 0x..." after RIP-relative operands). */
    public static String normalise(String t) {
        int hash = t.indexOf('#');
        if (hash >= 0) t = t.substring(0, hash);
        return t.trim().replaceAll("\\s+", " ");
    }

    public static String text(byte[] code, Path dir) {
        try {
            StringBuilder s = new StringBuilder();
            for (Line l : disassemble(List.of(code), dir).get(0))
                s.append(String.format("  %04x  %s%n", l.offset(), l.text()));
            return s.toString();
        } catch (IOException | InterruptedException e) {
            return "  (objdump: " + e.getMessage() + ")\n";
        }
    }
}
