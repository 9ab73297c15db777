package dev.celadon.vhd.internal;

import dev.celadon.vhd.VhdException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Finds a differencing disk's parent: the W2ru (relative to the child's directory) and W2ku (absolute) parent
 * locators, then the header's parent name next to the child. A candidate counts only if its unique id is the
 * one the child recorded; its time stamp is then checked too.
 */
public final class ParentResolver {
    private ParentResolver() {
    }

    /** Locator paths as written: absolute (W2ku) and relative to the child's directory (W2ru), '\' separated. */
    public static String relativeLocator(Path child, Path parent) {
        Path dir = child.toAbsolutePath().normalize().getParent();
        String rel = dir.relativize(parent.toAbsolutePath().normalize()).toString().replace('/', '\\');
        return rel.startsWith("..") ? rel : ".\\" + rel;
    }

    public static String absoluteLocator(Path parent) {
        return parent.toAbsolutePath().normalize().toString();
    }

    /** The candidate paths, most trustworthy first. */
    public static List<Path> candidates(Path child, FileChannel ch, DynamicHeader header) throws IOException {
        Path dir = child.toAbsolutePath().normalize().getParent();
        Set<Path> out = new LinkedHashSet<>();
        for (int code : new int[] {ParentLocator.W2RU, ParentLocator.W2KU}) {
            for (ParentLocator l : header.parentLocators()) {
                if (l.platformCode() != code) {
                    continue;
                }
                long len = Integer.toUnsignedLong(l.dataLength());
                if (len == 0 || len > 64 * 1024 || len % 2 != 0) {
                    continue; // not a UTF-16 path of sane length
                }
                String s = new String(FileIo.read(ch, l.dataOffset(), (int) len), StandardCharsets.UTF_16LE);
                int nul = s.indexOf('\0');
                if (nul >= 0) {
                    s = s.substring(0, nul);
                }
                s = s.replace('\\', '/');
                if (s.isEmpty() || s.matches("^[A-Za-z]:/.*")) {
                    continue; // a Windows drive path means nothing here
                }
                try {
                    out.add(code == ParentLocator.W2RU ? dir.resolve(s).normalize() : Path.of(s).normalize());
                } catch (RuntimeException e) {
                    // an unusable path string: skip it
                }
            }
        }
        String name = header.parentUnicodeName().replace('\\', '/');
        if (!name.isEmpty()) {
            try {
                Path p = Path.of(name).getFileName();
                if (p != null) {
                    out.add(dir.resolve(p).normalize());
                }
            } catch (RuntimeException e) {
                // ignore
            }
        }
        return new ArrayList<>(out);
    }

    /** The parent file, verified by unique id and time stamp. */
    public static Path resolve(Path child, FileChannel ch, DynamicHeader header) throws IOException {
        UUID want = header.parentUniqueId();
        List<Path> tried = candidates(child, ch, header);
        List<String> why = new ArrayList<>();
        for (Path p : tried) {
            if (!Files.isRegularFile(p)) {
                why.add(p + " (absent)");
                continue;
            }
            VhdLayout parent;
            try (FileChannel pc = FileChannel.open(p, StandardOpenOption.READ)) {
                parent = VhdLayout.read(p, pc, null);
            } catch (VhdException e) {
                why.add(p + " (" + e.getMessage() + ")");
                continue;
            }
            if (!parent.footer.uniqueId().equals(want)) {
                why.add(p + " (unique id " + parent.footer.uniqueId() + ")");
                continue;
            }
            checkTimestamp(child, header, p, parent);
            return p;
        }
        throw new VhdException(child, "parent locator", "no parent with unique id " + want + " found; tried "
                + (why.isEmpty() ? "nothing (no usable locator)" : String.join(", ", why)));
    }

    /**
     * The specification asks for the parent's modification time; tools differ on whether that is the parent
     * footer's time stamp (what Celadon writes: stable when files are copied) or the file's mtime, so either
     * is accepted.
     */
    private static void checkTimestamp(Path child, DynamicHeader header, Path parentPath, VhdLayout parent)
            throws IOException {
        int want = header.parentTimestamp();
        if (parent.footer.timestamp() == want) {
            return;
        }
        int mtime = VhdTime.of(Files.getLastModifiedTime(parentPath).toInstant());
        if (mtime == want) {
            return;
        }
        throw new VhdException(child, "dynamic header parent time stamp", "records "
                + VhdTime.toInstant(want) + ", but parent " + parentPath + " has footer time stamp "
                + VhdTime.toInstant(parent.footer.timestamp()) + " and was modified "
                + VhdTime.toInstant(mtime) + ": the parent changed after this disk was made from it");
    }
}
