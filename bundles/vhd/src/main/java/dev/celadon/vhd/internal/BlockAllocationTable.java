package dev.celadon.vhd.internal;

import java.nio.ByteBuffer;

/**
 * The BAT: one big-endian 32-bit entry per block, the file sector where the block (its sector bitmap, then its
 * data) starts, or 0xFFFFFFFF for a block not in the file. The table itself is padded to a whole sector.
 */
public final class BlockAllocationTable {
    public static final int UNUSED = 0xFFFF_FFFF;
    public static final int ENTRY_SIZE = 4;

    private final int[] entries;

    private BlockAllocationTable(int[] entries) {
        this.entries = entries;
    }

    public static BlockAllocationTable empty(int count) {
        int[] e = new int[count];
        java.util.Arrays.fill(e, UNUSED);
        return new BlockAllocationTable(e);
    }

    public static BlockAllocationTable parse(byte[] table, int count) {
        ByteBuffer b = ByteBuffer.wrap(table);
        int[] e = new int[count];
        for (int i = 0; i < count; i++) {
            e[i] = b.getInt(i * ENTRY_SIZE);
        }
        return new BlockAllocationTable(e);
    }

    /** Bytes the table occupies in the file: 4 per entry, rounded up to a sector. */
    public static long sizeInFile(long count) {
        return (count * ENTRY_SIZE + 511) & ~511L;
    }

    public int size() {
        return entries.length;
    }

    public boolean allocated(int block) {
        return entries[block] != UNUSED;
    }

    /** The block's file offset (its sector bitmap), or -1. */
    public long offset(int block) {
        int e = entries[block];
        return e == UNUSED ? -1 : Integer.toUnsignedLong(e) * 512;
    }

    public void set(int block, long fileOffset) {
        if (fileOffset % 512 != 0 || fileOffset / 512 >= 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("block offset " + fileOffset + " is not a sector below 2 TiB");
        }
        entries[block] = (int) (fileOffset / 512);
    }

    /** The 4 bytes of one entry as they go in the file. */
    public byte[] entryBytes(int block) {
        return ByteBuffer.allocate(ENTRY_SIZE).putInt(entries[block]).array();
    }

    /** The whole table as it goes in the file, padding 0xFF like unused entries. */
    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate((int) sizeInFile(entries.length));
        while (b.hasRemaining()) {
            b.putInt(UNUSED);
        }
        for (int i = 0; i < entries.length; i++) {
            b.putInt(i * ENTRY_SIZE, entries[i]);
        }
        return b.array();
    }

    public long allocatedCount() {
        long n = 0;
        for (int e : entries) {
            if (e != UNUSED) {
                n++;
            }
        }
        return n;
    }
}
