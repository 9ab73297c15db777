package dev.celadon.guest.micro;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of a micro-guest under QEMU's TCG (an independent x86 implementation, no /dev/kvm needed) on the
 * microvm machine, console on stdout, isa-debug-exit at 0xF4. stdin is /dev/null; a run that overruns its
 * time is killed through its own process handle.
 */
final class QemuRun {

    static final String QEMU = "qemu-system-x86_64";

    final String output;
    /** QEMU's exit status: 1 after a write of 0 to 0xF4, 0 after a triple fault (-no-reboot); -1 if killed. */
    final int exitStatus;
    final boolean timedOut;

    private QemuRun(String output, int exitStatus, boolean timedOut) {
        this.output = output;
        this.exitStatus = exitStatus;
        this.timedOut = timedOut;
    }

    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, QEMU))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code guest} until QEMU exits, {@code until} appears in the output (then QEMU is killed), or
     * {@code timeout} passes (killed, timedOut).
     */
    static QemuRun run(String guest, String append, int cpus, Duration timeout, String until) throws Exception {
        Path elf = Files.createTempFile("micro-" + guest, ".elf");
        try {
            Files.write(elf, MicroGuests.image(guest));
            List<String> cmd = new ArrayList<>(List.of(QEMU, "-accel", "tcg", "-M", "microvm,x-option-roms=off,rtc=off",
                    "-smp", Integer.toString(cpus), "-m", "64", "-nodefaults", "-no-user-config", "-nographic",
                    "-serial", "stdio", "-monitor", "none", "-no-reboot",
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", elf.toString()));
            if (!append.isEmpty()) {
                cmd.addAll(List.of("-append", append));
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> copy(p.getInputStream(), out), "qemu-output");
            reader.start();
            long deadline = System.nanoTime() + timeout.toNanos();
            boolean exited = false;
            while (System.nanoTime() < deadline) {
                if (p.waitFor(20, TimeUnit.MILLISECONDS)) {
                    exited = true;
                    break;
                }
                if (until != null && text(out).contains(until)) {
                    break;
                }
            }
            if (!exited) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5000);
            boolean timedOut = !exited && (until == null || !text(out).contains(until));
            return new QemuRun(text(out), exited ? p.exitValue() : -1, timedOut);
        } finally {
            Files.deleteIfExists(elf);
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[4096];
        try (in) {
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the process was killed while we read: what arrived is kept
        }
    }

    /** The value after {@code key} on the first line holding it, up to the next space; null if absent. */
    String value(String key) {
        for (String line : output.split("\n")) {
            int i = line.indexOf(key);
            if (i >= 0) {
                String rest = line.substring(i + key.length());
                int sp = rest.indexOf(' ');
                return sp < 0 ? rest : rest.substring(0, sp);
            }
        }
        return null;
    }
}
