package dev.celadon.emulator.cpu.difftest;

/**
 * Where a case lives, identically in the native oracle (oracle.c) and in the emulator: the data buffer the
 * code addresses, with nothing mapped on either side, and the code page.
 */
public final class CaseLayout {
    public static final long DATA_BASE = 0x1000_0000L;
    public static final int DATA_SIZE = 0x4000;
    public static final long DATA_END = DATA_BASE + DATA_SIZE;
    public static final long CODE_BASE = 0x1010_0000L;
    public static final int CODE_SIZE = 0x1000;
    /** The oracle appends a 14-byte jump back to its exit stub; the code must leave room for it. */
    public static final int MAX_CODE = 3072;

    private CaseLayout() {
    }

    /** The buffer before patches: splitmix64 from the seed, eight bytes at a time, little-endian (as oracle.c). */
    public static byte[] fill(long seed) {
        byte[] b = new byte[DATA_SIZE];
        for (int i = 0; i < DATA_SIZE; i += 8) {
            long z = (seed += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            for (int k = 0; k < 8; k++) b[i + k] = (byte) (z >>> (8 * k));
        }
        return b;
    }

    public static boolean inData(long addr, int len) {
        return addr >= DATA_BASE && addr + len <= DATA_END;
    }
}
