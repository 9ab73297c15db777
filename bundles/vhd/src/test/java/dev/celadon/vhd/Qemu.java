package dev.celadon.vhd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** qemu-img (Debian qemu-utils), the independent reader and writer of VHD ("vpc") files the tests trust. */
final class Qemu {
    private Qemu() {
    }

    static String img(String... args) throws IOException, InterruptedException {
        Result r = run(args);
        assertEquals(0, r.exit, () -> "qemu-img " + String.join(" ", args) + " failed: " + r.output);
        return r.output;
    }

    record Result(int exit, String output) {
    }

    static Result run(String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/qemu-img"))) {
            fail("qemu-img is missing: apt-get install -y qemu-utils (scripts/prerequisites.sh does)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/qemu-img");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    static long virtualSize(Path vhd) throws IOException, InterruptedException {
        String json = img("info", "--output=json", "-f", "vpc", vhd.toString());
        Matcher m = Pattern.compile("\"virtual-size\":\\s*(\\d+)").matcher(json);
        if (!m.find()) {
            fail("no virtual-size in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    /** The image's bytes as qemu reads them. */
    static Path toRaw(Path vhd, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "qemu", ".raw");
        img("convert", "-f", "vpc", "-O", "raw", vhd.toString(), out.toString());
        return out;
    }

    /** qemu-img compare: 0 when the guest-visible contents are identical. */
    static void assertSameContent(Path a, String fmtA, Path b, String fmtB) throws IOException, InterruptedException {
        Result r = run("compare", "-f", fmtA, "-F", fmtB, a.toString(), b.toString());
        assertEquals(0, r.exit, () -> "qemu-img compare " + a + " " + b + ": " + r.output);
    }
}
