package dev.celadon.storvsc;

import dev.celadon.vhd.RawDisk;
import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VirtualDisk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Disk files for the tests: every kind the storage VSP serves, with a shadow of the bytes the guest should see. */
final class Disks {
    enum Kind { RAW, FIXED, DYNAMIC, DIFFERENCING }

    static final long SIZE = 8 << 20;

    /** A disk of {@code kind} at {@code dir/name}; a differencing disk gets a dynamic parent with data in {@code shadow}. */
    static Path create(Path dir, String name, Kind kind, byte[] shadow) throws IOException {
        Path p = dir.resolve(name);
        switch (kind) {
            case RAW -> Vhd.create(p, SIZE, Vhd.Type.RAW, null);
            case FIXED -> Vhd.create(p, SIZE, Vhd.Type.FIXED, null);
            case DYNAMIC -> Vhd.create(p, SIZE, Vhd.Type.DYNAMIC, null);
            case DIFFERENCING -> {
                Path parent = dir.resolve(name + ".parent.vhd");
                Vhd.create(parent, SIZE, Vhd.Type.DYNAMIC, null);
                Random rnd = new Random(7);
                try (VirtualDisk d = Vhd.open(parent, false)) {
                    for (int i = 0; i < 6; i++) {
                        byte[] b = new byte[64 << 10];
                        rnd.nextBytes(b);
                        long at = (long) rnd.nextInt((int) (SIZE / 512) - 128) * 512;
                        d.write(at, b);
                        System.arraycopy(b, 0, shadow, (int) at, b.length);
                    }
                }
                Vhd.create(p, 0, Vhd.Type.DIFFERENCING, parent);
            }
        }
        return p;
    }

    static VirtualDisk open(Path p, Kind kind, boolean readOnly) throws IOException {
        return kind == Kind.RAW ? RawDisk.open(p, readOnly) : Vhd.open(p, readOnly);
    }

    /** The qemu-img on PATH, or null. */
    static Path qemuImg() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path q = Path.of(d, "qemu-img");
            if (Files.isExecutable(q)) {
                return q;
            }
        }
        return null;
    }

    /** {@code qemu-img convert -O raw in out}; returns its output on failure. */
    static void qemuConvert(Path qemu, Path in, String format, Path out) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(qemu.toString(), "convert", "-f", format, "-O", "raw",
                in.toString(), out.toString()));
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(pr.getInputStream().readAllBytes());
        if (pr.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + text);
        }
    }
}
