package dev.celadon.vhd.internal;

/**
 * The cylinder/head/sectors-per-track triple in the footer's Disk Geometry field (cylinders in the high 16 bits,
 * heads, then sectors per track). Old BIOSes and Virtual PC size the disk from it; Hyper-V and Celadon use the
 * footer's Current Size.
 */
public record DiskGeometry(int cylinders, int heads, int sectorsPerTrack) {
    /** 65535 cylinders x 16 heads x 255 sectors: the largest geometry, and what disks of 127 GiB and more get. */
    public static final long MAX_SECTORS = 65535L * 16 * 255;

    /**
     * The geometry for a disk of {@code totalSectors}, by the algorithm in appendix A of the VHD specification
     * (CHS calculation). It rounds down: C*H*S may address fewer sectors than the disk has.
     */
    public static DiskGeometry forSectors(long totalSectors) {
        long total = Math.min(totalSectors, MAX_SECTORS);
        int sectorsPerTrack;
        int heads;
        long cylinderTimesHeads;
        if (total >= 65535L * 16 * 63) {
            sectorsPerTrack = 255;
            heads = 16;
            cylinderTimesHeads = total / sectorsPerTrack;
        } else {
            sectorsPerTrack = 17;
            cylinderTimesHeads = total / sectorsPerTrack;
            heads = (int) ((cylinderTimesHeads + 1023) / 1024);
            if (heads < 4) {
                heads = 4;
            }
            if (cylinderTimesHeads >= heads * 1024L || heads > 16) {
                sectorsPerTrack = 31;
                heads = 16;
                cylinderTimesHeads = total / sectorsPerTrack;
            }
            if (cylinderTimesHeads >= heads * 1024L) {
                sectorsPerTrack = 63;
                heads = 16;
                cylinderTimesHeads = total / sectorsPerTrack;
            }
        }
        return new DiskGeometry((int) (cylinderTimesHeads / heads), heads, sectorsPerTrack);
    }

    public static DiskGeometry decode(int field) {
        return new DiskGeometry(field >>> 16, (field >>> 8) & 0xFF, field & 0xFF);
    }

    public int encode() {
        return cylinders << 16 | heads << 8 | sectorsPerTrack;
    }

    public long sectors() {
        return (long) cylinders * heads * sectorsPerTrack;
    }

    @Override
    public String toString() {
        return cylinders + "/" + heads + "/" + sectorsPerTrack;
    }
}
