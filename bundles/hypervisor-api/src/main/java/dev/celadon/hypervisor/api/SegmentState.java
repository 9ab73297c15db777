package dev.celadon.hypervisor.api;

/**
 * A segment register's hidden state as the processor holds it.
 *
 * @param attributes the descriptor's access byte in bits 7:0 (type, S, DPL, P) and its flags in bits 15:12
 *                   (AVL, L, D/B, G), as in the descriptor's bytes 5 and 6; bit 16 set means unusable
 */
public record SegmentState(int selector, long base, int limit, int attributes) {
    public int dpl() {
        return (attributes >> 5) & 3;
    }

    public boolean longMode() {
        return (attributes & (1 << 13)) != 0;
    }

    public boolean defaultBig() {
        return (attributes & (1 << 14)) != 0;
    }
}
