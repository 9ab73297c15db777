package dev.celadon.shell.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** qemu-img, the independent reader of what the commands wrote. */
final class QemuImg {
    private QemuImg() {
    }

    record Result(int exit, String output) {
    }

    static Result run(String... args) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/qemu-img"))) {
            fail("qemu-img is missing: apt-get install -y qemu-utils");
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/qemu-img"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    static String ok(String... args) throws Exception {
        Result r = run(args);
        assertEquals(0, r.exit(), () -> "qemu-img " + String.join(" ", args) + ": " + r.output());
        return r.output();
    }

    /** qemu-img info with format probing: how qemu recognises the file by its bytes alone. */
    static String json(Path image) throws Exception {
        return ok("info", "--output=json", image.toString());
    }

    /**
     * qemu-img info read as a VHD. Needed for fixed VHDs: they have no header at offset 0 (only the trailing
     * footer), so qemu's probe takes them for raw images of size + 512.
     */
    static String vpc(Path image) throws Exception {
        return ok("info", "--output=json", "-f", "vpc", image.toString());
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*\"?([^\",\\n]+)\"?").matcher(json);
        if (!m.find()) {
            fail("no " + name + " in " + json);
        }
        return m.group(1).trim();
    }
}
