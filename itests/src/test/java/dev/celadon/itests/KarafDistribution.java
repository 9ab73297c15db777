package dev.celadon.itests;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private copy of the built celadon distribution, started with bin/start and driven over SSH as an operator
 * or a script would. Each copy gets its own ports and an SSH key of its own in etc/keys.properties, so the
 * shipped distribution keeps no enabled user and the build output is never touched.
 */
final class KarafDistribution implements AutoCloseable {

    private final Path home;
    private final Path key;
    private final int sshPort;
    private Process lastStart;
    private String javaOptions = "";

    private KarafDistribution(Path home, Path key, int sshPort) {
        this.home = home;
        this.key = key;
        this.sshPort = sshPort;
    }

    static KarafDistribution copyOfBuild() throws Exception {
        Path built = Path.of(System.getProperty("celadon.assembly", "../karaf-assembly/target/assembly"));
        if (!Files.isExecutable(built.resolve("bin/start"))) {
            throw new IllegalStateException("no built distribution at " + built.toAbsolutePath()
                    + "; build karaf-assembly first (mvn install)");
        }
        Path home = Files.createTempDirectory("celadon-itest-");
        copyTree(built, home);
        int ssh = freePort();
        replaceInFile(home.resolve("etc/org.apache.karaf.shell.cfg"), "sshPort\\s*=.*", "sshPort = " + ssh);
        Path mgmt = home.resolve("etc/org.apache.karaf.management.cfg");
        if (Files.exists(mgmt)) {
            replaceInFile(mgmt, "rmiRegistryPort\\s*=.*", "rmiRegistryPort = " + freePort());
            replaceInFile(mgmt, "rmiServerPort\\s*=.*", "rmiServerPort = " + freePort());
        }
        Path key = home.resolve("itest-key");
        run(List.of("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key.toString()), 60);
        String pub = Files.readString(Path.of(key + ".pub")).trim().split("\\s+")[1];
        Files.writeString(home.resolve("etc/keys.properties"), "karaf=" + pub + ",_g_:admingroup\n"
                + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
        return new KarafDistribution(home, key, ssh);
    }

    Path home() {
        return home;
    }

    int sshPort() {
        return sshPort;
    }

    /** JVM options for the next {@link #start()}, through EXTRA_JAVA_OPTS as ./run.sh passes them. */
    KarafDistribution javaOptions(String options) {
        this.javaOptions = options;
        return this;
    }

    /** Starts it in its own session (bin/start would otherwise die with the test's process group). */
    void start() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("setsid", home.resolve("bin/start").toString())
                .directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve("start.out").toFile());
        if (!javaOptions.isEmpty()) {
            pb.environment().merge("EXTRA_JAVA_OPTS", javaOptions, (a, b) -> a + " " + b);
        }
        lastStart = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String last = "";
        while (System.nanoTime() < deadline) {
            Result r = ssh("bundle:list -s -t 0", 30);
            last = r.output;
            if (r.exit == 0 && last.contains("dev.celadon")) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("Karaf did not answer over SSH within 180 s; last answer: " + last + "\n" + log());
    }

    record Result(int exit, String output) {
    }

    /** Runs one shell command over SSH; returns its output (stdout and stderr). */
    String execute(String command) throws Exception {
        return ssh(command, 120).output;
    }

    private Result ssh(String command, int seconds) throws Exception {
        return run(List.of("ssh", "-q", "-p", Integer.toString(sshPort), "-i", key.toString(),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=10", "karaf@127.0.0.1", command), seconds);
    }

    /** Polls a command until its output contains {@code text}; returns that output. */
    String awaitOutput(String command, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String out = "";
        while (System.nanoTime() < deadline) {
            out = execute(command);
            if (out.contains(text)) {
                return out;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("'" + command + "' did not show '" + text + "' within " + seconds + " s. Last output:\n"
                + out + "\n" + log());
    }

    void stop() throws Exception {
        run(List.of(home.resolve("bin/stop").toString()), 60);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && !karafPids().isEmpty()) {
            Thread.sleep(500);
        }
        for (long pid : karafPids()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        if (lastStart != null) {
            lastStart.waitFor(10, TimeUnit.SECONDS);
        }
    }

    void restart() throws Exception {
        stop();
        start();
    }

    /** The JVMs running this copy (matched by its home directory on their command line). */
    List<Long> karafPids() {
        String marker = home.toString();
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            String cmd = p.info().commandLine().orElse("");
            if (cmd.contains("java") && cmd.contains(marker)) {
                pids.add(p.pid());
            }
        });
        return pids;
    }

    /** The end of data/log/karaf.log, for failure messages. */
    String log() {
        try {
            List<String> lines = Files.readAllLines(home.resolve("data/log/karaf.log"));
            return "--- karaf.log (last 80 lines) ---\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no karaf.log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            try (Stream<Path> walk = Files.walk(home)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Result run(List<String> command, int seconds) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out;
        try (var in = p.getInputStream()) {
            Thread reader = null;
            var buf = new java.io.ByteArrayOutputStream();
            reader = new Thread(() -> {
                try {
                    in.transferTo(buf);
                } catch (IOException ignored) {
                    // process ended
                }
            });
            reader.start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                reader.join(5000);
                return new Result(-1, buf.toString(StandardCharsets.UTF_8) + "\n(timed out after " + seconds + " s)");
            }
            reader.join(5000);
            out = buf.toByteArray();
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void replaceInFile(Path file, String regex, String replacement) throws IOException {
        String text = Files.readString(file);
        String changed = text.replaceAll("(?m)^" + regex + "$", replacement);
        if (changed.equals(text) && !text.contains(replacement)) {
            throw new IllegalStateException(file + " has no line matching " + regex);
        }
        Files.writeString(file, changed);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
