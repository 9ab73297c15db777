package dev.celadon.vhd.internal;

import java.nio.ByteBuffer;

/**
 * One of the eight 24-byte parent locator entries of a dynamic disk header: where in the file a platform-specific
 * path to the parent is stored. Celadon writes and reads W2ku (absolute) and W2ru (relative) paths, UTF-16LE.
 */
public record ParentLocator(int platformCode, int dataSpace, int dataLength, long dataOffset) {
    public static final int SIZE = 24;
    public static final int PLATFORM_CODE = 0;
    public static final int DATA_SPACE = 4;
    public static final int DATA_LENGTH = 8;
    public static final int RESERVED = 12;
    public static final int DATA_OFFSET = 16;

    public static final int NONE = 0;
    /** "W2ru": Windows relative path, UTF-16LE. */
    public static final int W2RU = 0x5732_7275;
    /** "W2ku": Windows absolute path, UTF-16LE. */
    public static final int W2KU = 0x5732_6B75;
    /** "Wi2r"/"Wi2k": deprecated ANSI forms; "Mac "/"MacX": Mac alias blob and file URL. Recognised, not used. */
    public static final int WI2R = 0x5769_3272;
    public static final int WI2K = 0x5769_326B;
    public static final int MAC = 0x4D61_6320;
    public static final int MACX = 0x4D61_6358;

    static ParentLocator read(ByteBuffer header, int at) {
        return new ParentLocator(header.getInt(at + PLATFORM_CODE), header.getInt(at + DATA_SPACE),
                header.getInt(at + DATA_LENGTH), header.getLong(at + DATA_OFFSET));
    }

    void write(ByteBuffer header, int at) {
        header.putInt(at + PLATFORM_CODE, platformCode);
        header.putInt(at + DATA_SPACE, dataSpace);
        header.putInt(at + DATA_LENGTH, dataLength);
        header.putInt(at + RESERVED, 0);
        header.putLong(at + DATA_OFFSET, dataOffset);
    }

    public boolean present() {
        return platformCode != NONE;
    }

    /**
     * Bytes reserved for the locator's data. The specification counts Platform Data Space in 512-byte sectors,
     * but Microsoft's own tools store bytes; as other readers do, a value below 512 is taken as sectors.
     */
    public long spaceBytes() {
        long space = Integer.toUnsignedLong(dataSpace);
        return space < 512 ? space * 512 : space;
    }

    public static String platformName(int code) {
        byte[] b = ByteBuffer.allocate(4).putInt(code).array();
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
