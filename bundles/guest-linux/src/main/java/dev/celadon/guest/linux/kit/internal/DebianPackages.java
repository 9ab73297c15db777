package dev.celadon.guest.linux.kit.internal;

import dev.celadon.guest.linux.kit.GuestKitException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian packages through the system's own tools: apt-cache to resolve, apt-get download, dpkg-deb -x. */
public final class DebianPackages {

    private final Path downloads;

    public DebianPackages(Path downloads) {
        this.downloads = downloads;
    }

    /** The concrete kernel package a metapackage depends on today, e.g. linux-image-6.1.0-56-cloud-amd64. */
    public String resolveKernelPackage(String metapackage) {
        String deps = run(List.of("apt-cache", "depends", metapackage), true);
        if (!deps.contains("Depends: linux-image-")) {
            run(List.of("apt-get", "update", "-qq"), false); // lists may be missing on a fresh machine
            deps = run(List.of("apt-cache", "depends", metapackage), false);
        }
        for (String line : deps.split("\n")) {
            String l = line.trim();
            if (l.startsWith("Depends: linux-image-")) {
                return l.substring("Depends: ".length()).trim();
            }
        }
        throw new GuestKitException("apt-cache found no kernel package behind " + metapackage + ": " + deps.trim());
    }

    /** Downloads a package (once) and unpacks it; returns the unpacked tree. */
    public Path downloadAndExtract(String pkg) throws IOException {
        Files.createDirectories(downloads);
        Path tree = downloads.resolve(pkg + ".tree");
        Path done = downloads.resolve(pkg + ".done");
        if (Files.exists(done) && Files.isDirectory(tree)) {
            return tree;
        }
        Path deb = findDeb(pkg);
        if (deb == null) {
            String out = run(List.of("apt-get", "download", pkg), true, downloads);
            deb = findDeb(pkg);
            if (deb == null) {
                run(List.of("apt-get", "update", "-qq"), false);
                out = run(List.of("apt-get", "download", pkg), false, downloads);
                deb = findDeb(pkg);
            }
            if (deb == null) {
                throw new GuestKitException("apt-get download " + pkg + " produced no .deb: " + out.trim());
            }
        }
        deleteTree(tree);
        run(List.of("dpkg-deb", "-x", deb.toString(), tree.toString()), false);
        Files.writeString(done, deb.getFileName().toString());
        return tree;
    }

    private Path findDeb(String pkg) throws IOException {
        try (var files = Files.list(downloads)) {
            return files.filter(f -> f.getFileName().toString().startsWith(pkg + "_")
                    && f.getFileName().toString().endsWith(".deb")).findFirst().orElse(null);
        }
    }

    private static void deleteTree(Path tree) throws IOException {
        if (Files.exists(tree)) {
            try (var walk = Files.walk(tree)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static String run(List<String> cmd, boolean tolerateFailure) {
        return run(cmd, tolerateFailure, null);
    }

    private static String run(List<String> cmd, boolean tolerateFailure, Path dir) {
        List<String> command = new ArrayList<>(cmd);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new GuestKitException(String.join(" ", cmd) + " did not finish in 10 minutes");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0 && !tolerateFailure) {
                throw new GuestKitException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + text.trim());
            }
            return text;
        } catch (IOException e) {
            throw new GuestKitException("cannot run " + cmd.get(0) + " (is it installed? the guest kit needs apt-get "
                    + "and dpkg-deb, as on Debian): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestKitException("interrupted while running " + String.join(" ", cmd), e);
        }
    }
}
