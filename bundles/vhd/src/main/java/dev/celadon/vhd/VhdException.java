package dev.celadon.vhd;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not a usable disk image: bad structure, a failed check, or an operation the image does not
 * allow. The message starts with the file and names the field at fault.
 */
public class VhdException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String field;

    public VhdException(Path file, String field, String detail) {
        super(file + ": " + (field == null ? "" : field + ": ") + detail);
        this.file = file;
        this.field = field;
    }

    public VhdException(Path file, String field, String detail, Throwable cause) {
        this(file, field, detail);
        initCause(cause);
    }

    /** The file at fault (may be a parent of the disk that was opened). */
    public Path file() {
        return file;
    }

    /** The structure field at fault, e.g. {@code "footer checksum"}, or null. */
    public String field() {
        return field;
    }
}
