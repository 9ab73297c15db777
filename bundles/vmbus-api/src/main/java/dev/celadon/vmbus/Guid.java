package dev.celadon.vmbus;

import java.util.UUID;

/**
 * A GUID as VMBus carries it: 16 bytes in the Windows layout, whose first three fields are little-endian
 * ({@code ba6163d9-04a1-4d29-b605-72e2ffb1dc7f} is stored {@code d9 63 61 ba a1 04 29 4d b6 05 72 e2 ff b1 dc 7f}).
 */
public record Guid(UUID uuid) {
    public static final int SIZE = 16;

    public Guid {
        if (uuid == null) {
            throw new IllegalArgumentException("null GUID");
        }
    }

    public static Guid parse(String text) {
        return new Guid(UUID.fromString(text));
    }

    public static Guid decode(byte[] b, int off) {
        long msb = (Le.u32(b, off) & 0xffff_ffffL) << 32 | (long) Le.u16(b, off + 4) << 16 | Le.u16(b, off + 6);
        long lsb = 0;
        for (int i = 8; i < 16; i++) {
            lsb = lsb << 8 | (b[off + i] & 0xff);
        }
        return new Guid(new UUID(msb, lsb));
    }

    public void encode(byte[] b, int off) {
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        Le.put32(b, off, (int) (msb >>> 32));
        Le.put16(b, off + 4, (int) (msb >>> 16));
        Le.put16(b, off + 6, (int) msb);
        for (int i = 15; i >= 8; i--) {
            b[off + i] = (byte) lsb;
            lsb >>>= 8;
        }
    }

    public byte[] toBytes() {
        byte[] b = new byte[SIZE];
        encode(b, 0);
        return b;
    }

    @Override
    public String toString() {
        return uuid.toString();
    }
}
