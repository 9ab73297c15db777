package dev.celadon.licensing.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The installed licences: {@code *.licence} files in one directory. Installing writes a temporary file in the
 * same directory, forces it to disk and renames it over {@code <id>.licence}, so a reader (or a crash) sees the
 * old licence or the new one, never part of one.
 */
final class LicenceDirectory {
    static final String SUFFIX = ".licence";
    private final Path dir;

    LicenceDirectory(Path dir) {
        this.dir = dir;
    }

    Path path() {
        return dir;
    }

    List<Path> files() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                if (Files.isRegularFile(f)) {
                    out.add(f);
                }
            }
        } catch (IOException e) {
            // An unreadable directory holds no licence we could check.
        }
        out.sort(null);
        return out;
    }

    /** Reads a licence file, at most one byte past the size limit so an oversized file is still refused. */
    static byte[] read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > LicenceEnvelope.MAX_FILE_BYTES) {
            return new byte[LicenceEnvelope.MAX_FILE_BYTES + 1];
        }
        return Files.readAllBytes(file);
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(SUFFIX) ? name.substring(0, name.length() - SUFFIX.length()) : name;
    }

    /** Atomically replaces (or creates) {@code <id>.licence} with these bytes. */
    Path install(String id, byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(id + SUFFIX);
        Path tmp = Files.createTempFile(dir, ".install-", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(dir + " does not support atomic rename", e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
