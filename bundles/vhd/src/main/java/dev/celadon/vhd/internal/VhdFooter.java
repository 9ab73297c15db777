package dev.celadon.vhd.internal;

import dev.celadon.vhd.VhdException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

/**
 * The hard disk footer (VHD specification, "Hard Disk Footer Format"): 512 big-endian bytes at the end of every
 * VHD, with a copy at offset 0 of dynamic and differencing disks.
 */
public final class VhdFooter {
    public static final int SIZE = 512;
    public static final int COOKIE = 0;
    public static final int FEATURES = 8;
    public static final int FORMAT_VERSION = 12;
    public static final int DATA_OFFSET = 16;
    public static final int TIMESTAMP = 24;
    public static final int CREATOR_APP = 28;
    public static final int CREATOR_VERSION = 32;
    public static final int CREATOR_HOST_OS = 36;
    public static final int ORIGINAL_SIZE = 40;
    public static final int CURRENT_SIZE = 48;
    public static final int DISK_GEOMETRY = 56;
    public static final int DISK_TYPE = 60;
    public static final int CHECKSUM = 64;
    public static final int UNIQUE_ID = 68;
    public static final int SAVED_STATE = 84;

    public static final byte[] MAGIC = "conectix".getBytes(StandardCharsets.US_ASCII);
    /** Features: bit 1 is reserved and must always be set. */
    public static final int FEATURE_RESERVED = 0x2;
    public static final int VERSION_1_0 = 0x0001_0000;
    public static final long NO_DATA_OFFSET = -1L;

    public static final int TYPE_FIXED = 2;
    public static final int TYPE_DYNAMIC = 3;
    public static final int TYPE_DIFFERENCING = 4;

    /**
     * The largest virtual size accepted: 2040 GiB (0xFF000000 sectors), Hyper-V's VHD limit. Beyond it 32-bit
     * sector numbers in the BAT and the CHS field stop being able to describe the disk.
     */
    public static final long MAX_SIZE = 0xFF00_0000L * 512;

    private final byte[] bytes;

    private VhdFooter(byte[] bytes) {
        this.bytes = bytes;
    }

    /** True when {@code b} starts with the "conectix" cookie (whether or not the rest is valid). */
    public static boolean hasCookie(byte[] b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.length <= i || b[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses and validates a footer: cookie, checksum, format version, disk type and the current size's range.
     *
     * @param where which copy, for messages ("footer" or "footer copy at offset 0")
     */
    public static VhdFooter parse(byte[] b, Path file, String where) throws VhdException {
        if (b.length < SIZE) {
            throw new VhdException(file, where, "file too short for a 512-byte footer");
        }
        byte[] copy = java.util.Arrays.copyOf(b, SIZE);
        if (!hasCookie(copy)) {
            throw new VhdException(file, where + " cookie", "not \"conectix\": not a VHD (or the footer is lost)");
        }
        VhdFooter f = new VhdFooter(copy);
        int stored = f.i32(CHECKSUM);
        int computed = Checksum.of(copy, SIZE, CHECKSUM);
        if (stored != computed) {
            throw new VhdException(file, where + " checksum", String.format(
                    "stored 0x%08x, computed 0x%08x: the footer is corrupt", stored, computed));
        }
        int version = f.i32(FORMAT_VERSION);
        if (version >>> 16 != 1) {
            throw new VhdException(file, where + " file format version", String.format(
                    "0x%08x, only major version 1 is defined", version));
        }
        int type = f.diskType();
        if (type != TYPE_FIXED && type != TYPE_DYNAMIC && type != TYPE_DIFFERENCING) {
            throw new VhdException(file, where + " disk type", type + ", expected 2 (fixed), 3 (dynamic) or 4 (differencing)");
        }
        long size = f.currentSize();
        if (size <= 0 || size % 512 != 0 || size > MAX_SIZE) {
            throw new VhdException(file, where + " current size", size + " bytes: not a positive multiple of 512 up to "
                    + MAX_SIZE + " (2040 GiB)");
        }
        return f;
    }

    /** A new footer; the caller picks data offset (dynamic header position, or none for fixed). */
    public static VhdFooter create(int diskType, long size, long dataOffset, UUID uuid, Instant created) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(COOKIE, MAGIC);
        b.putInt(FEATURES, FEATURE_RESERVED);
        b.putInt(FORMAT_VERSION, VERSION_1_0);
        b.putLong(DATA_OFFSET, dataOffset);
        b.putInt(TIMESTAMP, VhdTime.of(created));
        // "win ": qemu (before 10.0) sizes a VHD by its CHS geometry unless the creator is one of a few known
        // apps, "win " (Hyper-V) among them; with it the exact Current Size is used. See README, "Size".
        b.put(CREATOR_APP, "win ".getBytes(StandardCharsets.US_ASCII));
        b.putInt(CREATOR_VERSION, 0x000A_0000);
        b.put(CREATOR_HOST_OS, "Wi2k".getBytes(StandardCharsets.US_ASCII));
        b.putLong(ORIGINAL_SIZE, size);
        b.putLong(CURRENT_SIZE, size);
        b.putInt(DISK_GEOMETRY, DiskGeometry.forSectors(size / 512).encode());
        b.putInt(DISK_TYPE, diskType);
        b.putLong(UNIQUE_ID, uuid.getMostSignificantBits());
        b.putLong(UNIQUE_ID + 8, uuid.getLeastSignificantBits());
        byte[] bytes = b.array();
        ByteBuffer.wrap(bytes).putInt(CHECKSUM, Checksum.of(bytes, SIZE, CHECKSUM));
        return new VhdFooter(bytes);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    private int i32(int off) {
        return ByteBuffer.wrap(bytes).getInt(off);
    }

    private long i64(int off) {
        return ByteBuffer.wrap(bytes).getLong(off);
    }

    private String ascii(int off, int len) {
        return new String(bytes, off, len, StandardCharsets.ISO_8859_1);
    }

    public int features() {
        return i32(FEATURES);
    }

    public long dataOffset() {
        return i64(DATA_OFFSET);
    }

    public int timestamp() {
        return i32(TIMESTAMP);
    }

    public String creatorApp() {
        return ascii(CREATOR_APP, 4);
    }

    public int creatorVersion() {
        return i32(CREATOR_VERSION);
    }

    public String creatorHostOs() {
        return ascii(CREATOR_HOST_OS, 4);
    }

    public long originalSize() {
        return i64(ORIGINAL_SIZE);
    }

    public long currentSize() {
        return i64(CURRENT_SIZE);
    }

    public DiskGeometry geometry() {
        return DiskGeometry.decode(i32(DISK_GEOMETRY));
    }

    public int diskType() {
        return i32(DISK_TYPE);
    }

    public UUID uniqueId() {
        return new UUID(i64(UNIQUE_ID), i64(UNIQUE_ID + 8));
    }

    public boolean savedState() {
        return bytes[SAVED_STATE] != 0;
    }

    public boolean sameAs(VhdFooter other) {
        return java.util.Arrays.equals(bytes, other.bytes);
    }
}
