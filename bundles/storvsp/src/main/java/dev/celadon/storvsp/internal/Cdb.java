package dev.celadon.storvsp.internal;

/** Big-endian fields of a SCSI CDB or of SCSI data (SCSI is big-endian, VMBus little-endian). */
final class Cdb {
    private Cdb() {
    }

    static int u8(byte[] b, int off) {
        return b[off] & 0xff;
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xff) << 8 | (b[off + 1] & 0xff);
    }

    static int u24(byte[] b, int off) {
        return (b[off] & 0xff) << 16 | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff);
    }

    static long u32(byte[] b, int off) {
        return ((long) u16(b, off) << 16 | u16(b, off + 2)) & 0xffff_ffffL;
    }

    static long u64(byte[] b, int off) {
        return u32(b, off) << 32 | u32(b, off + 4);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, long v) {
        put16(b, off, (int) (v >>> 16));
        put16(b, off + 2, (int) v);
    }

    static void put64(byte[] b, int off, long v) {
        put32(b, off, v >>> 32);
        put32(b, off + 4, v);
    }
}
