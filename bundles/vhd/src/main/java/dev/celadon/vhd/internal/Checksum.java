package dev.celadon.vhd.internal;

/** The VHD checksum: the one's complement of the byte sum of a structure, its own 4-byte field counted as zero. */
final class Checksum {
    private Checksum() {
    }

    static int of(byte[] b, int length, int checksumOffset) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            if (i < checksumOffset || i >= checksumOffset + 4) {
                sum += b[i] & 0xFF;
            }
        }
        return ~sum;
    }
}
