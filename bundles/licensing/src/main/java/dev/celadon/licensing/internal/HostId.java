package dev.celadon.licensing.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * This host's id for host-bound licences: {@code sha256:} followed by the lowercase hex SHA-256 of the
 * machine id, i.e. the contents of {@code /etc/machine-id} (systemd's 32 hex digits) with leading and
 * trailing white space (the final newline) removed. Hashing it keeps the machine id itself out of licences
 * (systemd asks that it not be exposed); the file is the one id Debian and most Linux systems keep stable
 * across reboots and distinct between clones that were prepared properly.
 */
final class HostId {
    static final Pattern FORMAT = Pattern.compile("sha256:[0-9a-f]{64}");
    static final Path DEFAULT_MACHINE_ID = Path.of("/etc/machine-id");

    private HostId() {
    }

    /** The host id from a machine-id file, or a sentence saying why there is none. */
    static String of(Path machineIdFile) throws IOException {
        if (Files.size(machineIdFile) > 1024) {
            throw new IOException(machineIdFile + ": larger than 1 KiB, not a machine id");
        }
        String machineId = Files.readString(machineIdFile, StandardCharsets.US_ASCII).strip();
        if (machineId.isEmpty()) {
            throw new IOException(machineIdFile + " is empty");
        }
        return fromMachineId(machineId);
    }

    static String fromMachineId(String machineId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(machineId.getBytes(StandardCharsets.US_ASCII));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
