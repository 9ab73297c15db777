package dev.celadon.ic.internal;

/** struct ic_version: u16 major, u16 minor (framework and message versions alike). */
public record IcVersion(int major, int minor) {
    public static final int SIZE = 4;

    public IcVersion {
        if ((major | minor) >>> 16 != 0) {
            throw new IllegalArgumentException("IC version fields are u16: " + major + "." + minor);
        }
    }

    static IcVersion decode(byte[] b, int off) {
        return new IcVersion(Le.u16(b, off), Le.u16(b, off + 2));
    }

    void encode(byte[] b, int off) {
        Le.put16(b, off, major);
        Le.put16(b, off + 2, minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
