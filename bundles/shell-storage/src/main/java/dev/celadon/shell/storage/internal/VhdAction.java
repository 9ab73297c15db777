package dev.celadon.shell.storage.internal;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;

/**
 * Shared by the vhd:* commands: output to the session's stream, file names resolved against the shell's
 * working directory, and the file checks that give an operator a sentence instead of an exception class name.
 * Problems found by the library ({@link dev.celadon.vhd.VhdException}) already read "file: field: what".
 */
abstract class VhdAction implements Action {

    @Override
    public final Object execute() throws Exception {
        run(System.out);
        return null;
    }

    abstract void run(PrintStream out) throws Exception;

    static Path path(String name) {
        return Path.of(name).toAbsolutePath().normalize();
    }

    static Path existing(String name) {
        Path p = path(name);
        if (!Files.exists(p)) {
            throw new StorageException(p + ": no such file");
        }
        if (Files.isDirectory(p)) {
            throw new StorageException(p + ": is a directory, not a disk image");
        }
        if (!Files.isReadable(p)) {
            throw new StorageException(p + ": not readable");
        }
        return p;
    }

    /** The library never overwrites either; checking first gives the operator the reason before any work. */
    static Path fresh(String name) {
        Path p = path(name);
        if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException(p + ": already exists; vhd commands never overwrite (delete it or pick another name)");
        }
        Path dir = p.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new StorageException(dir + ": no such directory");
        }
        return p;
    }

    /**
     * Karaf's parser stops reading options at the first argument; operators write {@code vhd:create FILE --size 10G}
     * as with qemu-img, so the options after the file name are handed here, one name then its value.
     */
    interface OptionSink {
        boolean accept(String name, String value);
    }

    static void parseTrailing(String command, List<String> trailing, OptionSink sink) {
        if (trailing == null) {
            return;
        }
        for (int i = 0; i < trailing.size(); i++) {
            String opt = trailing.get(i);
            if (!opt.startsWith("-")) {
                throw new StorageException("extra argument '" + opt + "' (see " + command + " --help)");
            }
            if (i + 1 >= trailing.size()) {
                throw new StorageException("option " + opt + " needs a value (see " + command + " --help)");
            }
            if (!sink.accept(opt, trailing.get(++i))) {
                throw new StorageException("unknown option '" + opt + "' (see " + command + " --help)");
            }
        }
    }
}
