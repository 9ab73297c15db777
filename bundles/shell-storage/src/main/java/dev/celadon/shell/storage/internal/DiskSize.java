package dev.celadon.shell.storage.internal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A disk size as operators write it: {@code 4096} (bytes), {@code 512K}, {@code 512M}, {@code 10G}, {@code 2T};
 * an optional {@code B} or {@code iB} after the letter ({@code 10GiB}, {@code 10GB}). Units are powers of 1024,
 * as in qemu-img and Hyper-V's New-VHD. A disk is whole 512-byte sectors, and a VHD holds at most 2040 GiB.
 */
final class DiskSize {

    static final long SECTOR = 512;
    /** The VHD format's limit (Microsoft's specification; the library refuses more). */
    static final long MAX = 2040L << 30;

    private static final Pattern SYNTAX = Pattern.compile("(\\d{1,19})\\s*([KMGT]?)(I?B)?");

    private DiskSize() {
    }

    static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new StorageException("a size is needed, e.g. --size 10G (units K, M, G, T; plain numbers are bytes)");
        }
        Matcher m = SYNTAX.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches() || (m.group(2).isEmpty() && m.group(3) != null && m.group(3).equals("IB"))) {
            throw new StorageException("'" + text + "' is not a size: write e.g. 10G, 512M, 64K or 4096 (bytes)");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new StorageException("'" + text + "' is too large; a VHD holds at most 2040G");
        }
        if (n == 0) {
            throw new StorageException("size '" + text + "' is zero");
        }
        if (n > (MAX >> shift)) {
            throw new StorageException("'" + text + "' is too large; a VHD holds at most 2040G");
        }
        long bytes = n << shift;
        if (bytes % SECTOR != 0) {
            throw new StorageException("'" + text + "' = " + bytes + " bytes, not whole 512-byte sectors");
        }
        return bytes;
    }

    /** {@code 10 GiB (10737418240 bytes)}: the unit for reading, the exact count for comparing with other tools. */
    static String describe(long bytes) {
        return human(bytes) + " (" + bytes + " bytes)";
    }

    static String human(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) {
            return bytes + " bytes";
        }
        return (v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v))
                + " " + units[u];
    }
}
