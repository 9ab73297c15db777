package dev.celadon.emulator.cpu;

/**
 * A segment register as the processor holds it: the selector and the descriptor cache.
 *
 * @param selector   the visible selector
 * @param base       linear base address
 * @param limit      byte-granular limit (already scaled by G)
 * @param attributes the descriptor's access byte in bits 7:0 (type, S, DPL, P) and its flags in bits 15:12
 *                   (AVL, L, D/B, G), as in descriptor bytes 5 and 6 (the layout of VMX access rights and of
 *                   {@code dev.celadon.hypervisor.api.SegmentState}); bit 16 set means unusable (a null selector)
 */
public record Segment(int selector, long base, int limit, int attributes) {
    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5, TR = 6, LDTR = 7;

    public static final int ATTR_P = 1 << 7;
    public static final int ATTR_S = 1 << 4;
    public static final int ATTR_L = 1 << 13;
    public static final int ATTR_DB = 1 << 14;
    public static final int ATTR_G = 1 << 15;
    public static final int ATTR_UNUSABLE = 1 << 16;

    public int dpl() {
        return (attributes >> 5) & 3;
    }

    public int type() {
        return attributes & 0xF;
    }

    /** A flat 4 GiB segment with the given access byte and flags. */
    public static Segment flat(int selector, int attributes) {
        return new Segment(selector, 0, 0xFFFF_FFFF, attributes);
    }

    @Override
    public String toString() {
        return String.format("sel=%04x base=%x limit=%x attr=%x", selector, base, limit, attributes);
    }
}
