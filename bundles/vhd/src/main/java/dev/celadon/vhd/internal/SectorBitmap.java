package dev.celadon.vhd.internal;

import java.util.Arrays;

/**
 * The sector bitmap in front of each block's data: bit set means the sector's data is in this file; clear
 * means it reads as zeros (dynamic) or from the parent (differencing). Sector 0 is the most significant bit of
 * byte 0, as in the specification's "Mapping a Disk Sector to a Sector in the Block".
 */
public final class SectorBitmap {
    private final byte[] bits;
    private final int sectors;
    private boolean allSet;

    public SectorBitmap(byte[] bits, int sectors) {
        this.bits = bits;
        this.sectors = sectors;
        this.allSet = computeAllSet();
    }

    public static SectorBitmap empty(int bitmapSize, int sectors) {
        return new SectorBitmap(new byte[bitmapSize], sectors);
    }

    public static SectorBitmap full(int bitmapSize, int sectors) {
        byte[] b = new byte[bitmapSize];
        Arrays.fill(b, (byte) 0xFF);
        return new SectorBitmap(b, sectors);
    }

    private boolean computeAllSet() {
        for (int s = 0; s < sectors; s++) {
            if (!get(s)) {
                return false;
            }
        }
        return true;
    }

    public boolean get(int sector) {
        return (bits[sector >>> 3] & (0x80 >>> (sector & 7))) != 0;
    }

    /** Sets sectors [from, to); true when any bit changed. */
    public boolean set(int from, int to) {
        boolean changed = false;
        for (int s = from; s < to; s++) {
            int mask = 0x80 >>> (s & 7);
            if ((bits[s >>> 3] & mask) == 0) {
                bits[s >>> 3] |= (byte) mask;
                changed = true;
            }
        }
        if (changed) {
            allSet = computeAllSet();
        }
        return changed;
    }

    /** True when every sector in [from, to) is set. */
    public boolean allSet(int from, int to) {
        if (allSet) {
            return true;
        }
        for (int s = from; s < to; s++) {
            if (!get(s)) {
                return false;
            }
        }
        return true;
    }

    public boolean allSet() {
        return allSet;
    }

    public boolean noneSet() {
        for (byte b : bits) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** The first sector at or after {@code from} (below {@code to}) whose bit differs from {@code from}'s. */
    public int runEnd(int from, int to) {
        boolean v = get(from);
        int s = from + 1;
        while (s < to && get(s) == v) {
            s++;
        }
        return s;
    }

    public byte[] bytes() {
        return bits.clone();
    }

    public int sectors() {
        return sectors;
    }
}
