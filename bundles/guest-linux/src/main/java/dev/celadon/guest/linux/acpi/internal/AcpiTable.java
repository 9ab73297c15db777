package dev.celadon.guest.linux.acpi.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A system description table: the 36-byte common header (signature, length, revision, checksum, OEM fields)
 * followed by the body a subclass fills. The checksum makes all bytes of the table sum to 0 mod 256.
 */
public abstract class AcpiTable {
    public static final int HEADER_SIZE = 36;
    static final int OFF_SIGNATURE = 0;
    static final int OFF_LENGTH = 4;
    static final int OFF_REVISION = 8;
    public static final int OFF_CHECKSUM = 9;
    static final int OFF_OEM_ID = 10;
    static final int OFF_OEM_TABLE_ID = 16;
    static final int OFF_OEM_REVISION = 24;
    static final int OFF_CREATOR_ID = 28;
    static final int OFF_CREATOR_REVISION = 32;

    public static final String OEM_ID = "CELADN";
    public static final String OEM_TABLE_ID = "CELADON ";
    static final String CREATOR_ID = "CLDN";

    private final String signature;
    private final int revision;

    protected AcpiTable(String signature, int revision) {
        this.signature = signature;
        this.revision = revision;
    }

    public String signature() {
        return signature;
    }

    /** The body after the header, for a table placed at {@code address}. */
    protected abstract byte[] body(long address);

    /** The complete table with length and checksum. */
    public byte[] bytes(long address) {
        byte[] body = body(address);
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + body.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii(signature, 4));
        b.putInt(HEADER_SIZE + body.length);
        b.put((byte) revision);
        b.put((byte) 0);
        b.put(ascii(OEM_ID, 6));
        b.put(ascii(OEM_TABLE_ID, 8));
        b.putInt(1);
        b.put(ascii(CREATOR_ID, 4));
        b.putInt(1);
        b.put(body);
        byte[] t = b.array();
        t[OFF_CHECKSUM] = checksum(t, 0, t.length);
        return t;
    }

    /** The byte that makes {@code length} bytes from {@code offset} sum to 0. */
    public static byte checksum(byte[] b, int offset, int length) {
        int sum = 0;
        for (int i = offset; i < offset + length; i++) {
            sum += b[i];
        }
        return (byte) -sum;
    }

    static byte[] ascii(String s, int length) {
        byte[] a = s.getBytes(StandardCharsets.US_ASCII);
        if (a.length != length) {
            throw new IllegalArgumentException("'" + s + "' is not " + length + " characters");
        }
        return a;
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
