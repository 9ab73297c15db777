package dev.celadon.vhd.internal;

import dev.celadon.vhd.VhdException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The dynamic disk header (VHD specification, "Dynamic Disk Header Format"): 1024 big-endian bytes at the
 * footer's Data Offset, locating the BAT and, for differencing disks, naming the parent.
 */
public final class DynamicHeader {
    public static final int SIZE = 1024;
    public static final int COOKIE = 0;
    public static final int DATA_OFFSET = 8;
    public static final int TABLE_OFFSET = 16;
    public static final int HEADER_VERSION = 24;
    public static final int MAX_TABLE_ENTRIES = 28;
    public static final int BLOCK_SIZE = 32;
    public static final int CHECKSUM = 36;
    public static final int PARENT_UNIQUE_ID = 40;
    public static final int PARENT_TIMESTAMP = 56;
    public static final int PARENT_UNICODE_NAME = 64;
    public static final int PARENT_UNICODE_NAME_SIZE = 512;
    public static final int PARENT_LOCATORS = 576;
    public static final int LOCATOR_COUNT = 8;

    public static final byte[] MAGIC = "cxsparse".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION_1_0 = 0x0001_0000;
    public static final int DEFAULT_BLOCK_SIZE = 2 * 1024 * 1024;
    /** Smallest and largest block sizes accepted: one sector, and 256 MiB (far beyond any tool's choice). */
    public static final int MIN_BLOCK_SIZE = 512;
    public static final int MAX_BLOCK_SIZE = 256 * 1024 * 1024;
    /** Cap on BAT entries held in memory (16 MiB of table): 2040 GiB in 512 KiB blocks, Hyper-V's smallest. */
    public static final long MAX_TABLE_ENTRIES_LIMIT = 1L << 22;

    private final byte[] bytes;

    private DynamicHeader(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Parses and validates cookie, checksum, version and block size; offsets are checked by the caller. */
    public static DynamicHeader parse(byte[] b, Path file) throws VhdException {
        byte[] copy = Arrays.copyOf(b, SIZE);
        if (!Arrays.equals(copy, 0, 8, MAGIC, 0, 8)) {
            throw new VhdException(file, "dynamic header cookie", "not \"cxsparse\"");
        }
        DynamicHeader h = new DynamicHeader(copy);
        int stored = h.buf().getInt(CHECKSUM);
        int computed = Checksum.of(copy, SIZE, CHECKSUM);
        if (stored != computed) {
            throw new VhdException(file, "dynamic header checksum", String.format(
                    "stored 0x%08x, computed 0x%08x: the header is corrupt", stored, computed));
        }
        int version = h.buf().getInt(HEADER_VERSION);
        if (version >>> 16 != 1) {
            throw new VhdException(file, "dynamic header version", String.format("0x%08x, expected 0x00010000", version));
        }
        long bs = h.blockSizeUnsigned();
        if (bs < MIN_BLOCK_SIZE || bs > MAX_BLOCK_SIZE || Long.bitCount(bs) != 1) {
            throw new VhdException(file, "dynamic header block size", bs
                    + " bytes: not a power of two from 512 bytes to 256 MiB");
        }
        long entries = h.maxTableEntriesUnsigned();
        if (entries == 0 || entries > MAX_TABLE_ENTRIES_LIMIT) {
            throw new VhdException(file, "dynamic header max table entries", entries + ": not from 1 to "
                    + MAX_TABLE_ENTRIES_LIMIT);
        }
        return h;
    }

    public static DynamicHeader create(long tableOffset, int maxTableEntries, int blockSize, UUID parentUuid,
                                       int parentTimestamp, String parentName, List<ParentLocator> locators) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(COOKIE, MAGIC);
        b.putLong(DATA_OFFSET, -1L); // no further header structure
        b.putLong(TABLE_OFFSET, tableOffset);
        b.putInt(HEADER_VERSION, VERSION_1_0);
        b.putInt(MAX_TABLE_ENTRIES, maxTableEntries);
        b.putInt(BLOCK_SIZE, blockSize);
        if (parentUuid != null) {
            b.putLong(PARENT_UNIQUE_ID, parentUuid.getMostSignificantBits());
            b.putLong(PARENT_UNIQUE_ID + 8, parentUuid.getLeastSignificantBits());
            b.putInt(PARENT_TIMESTAMP, parentTimestamp);
            byte[] name = parentName.getBytes(StandardCharsets.UTF_16BE);
            b.put(PARENT_UNICODE_NAME, name, 0, Math.min(name.length, PARENT_UNICODE_NAME_SIZE) & ~1);
        }
        for (int i = 0; i < locators.size(); i++) {
            locators.get(i).write(b, PARENT_LOCATORS + i * ParentLocator.SIZE);
        }
        byte[] bytes = b.array();
        ByteBuffer.wrap(bytes).putInt(CHECKSUM, Checksum.of(bytes, SIZE, CHECKSUM));
        return new DynamicHeader(bytes);
    }

    /** This header with the BAT and the locators' data moved (compaction): every other field kept as it is. */
    public DynamicHeader relocated(long tableOffset, List<ParentLocator> locators) {
        byte[] b = bytes.clone();
        ByteBuffer w = ByteBuffer.wrap(b);
        w.putLong(TABLE_OFFSET, tableOffset);
        Arrays.fill(b, PARENT_LOCATORS, PARENT_LOCATORS + LOCATOR_COUNT * ParentLocator.SIZE, (byte) 0);
        for (int i = 0; i < locators.size(); i++) {
            locators.get(i).write(w, PARENT_LOCATORS + i * ParentLocator.SIZE);
        }
        w.putInt(CHECKSUM, Checksum.of(b, SIZE, CHECKSUM));
        return new DynamicHeader(b);
    }

    private ByteBuffer buf() {
        return ByteBuffer.wrap(bytes);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public long tableOffset() {
        return buf().getLong(TABLE_OFFSET);
    }

    public long maxTableEntriesUnsigned() {
        return Integer.toUnsignedLong(buf().getInt(MAX_TABLE_ENTRIES));
    }

    public int maxTableEntries() {
        return (int) maxTableEntriesUnsigned();
    }

    private long blockSizeUnsigned() {
        return Integer.toUnsignedLong(buf().getInt(BLOCK_SIZE));
    }

    public int blockSize() {
        return (int) blockSizeUnsigned();
    }

    public UUID parentUniqueId() {
        return new UUID(buf().getLong(PARENT_UNIQUE_ID), buf().getLong(PARENT_UNIQUE_ID + 8));
    }

    public int parentTimestamp() {
        return buf().getInt(PARENT_TIMESTAMP);
    }

    /** The parent's name, UTF-16 big-endian as Virtual PC and Hyper-V write it, up to the first NUL. */
    public String parentUnicodeName() {
        int end = PARENT_UNICODE_NAME;
        while (end + 1 < PARENT_UNICODE_NAME + PARENT_UNICODE_NAME_SIZE && (bytes[end] != 0 || bytes[end + 1] != 0)) {
            end += 2;
        }
        return new String(bytes, PARENT_UNICODE_NAME, end - PARENT_UNICODE_NAME, StandardCharsets.UTF_16BE);
    }

    public List<ParentLocator> parentLocators() {
        List<ParentLocator> out = new ArrayList<>();
        for (int i = 0; i < LOCATOR_COUNT; i++) {
            ParentLocator l = ParentLocator.read(buf(), PARENT_LOCATORS + i * ParentLocator.SIZE);
            if (l.present()) {
                out.add(l);
            }
        }
        return out;
    }

    /** Bytes of one block's sector bitmap: a bit per sector, padded to a whole sector. */
    public int bitmapSize() {
        return bitmapSize(blockSize());
    }

    public static int bitmapSize(int blockSize) {
        int bytes = Math.max(1, blockSize / 512 / 8);
        return (bytes + 511) & ~511;
    }
}
