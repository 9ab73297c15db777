package dev.celadon.emulator.cpu;

import java.nio.ByteBuffer;

/**
 * LOCKed read-modify-write on guest memory, atomic across processors: a compare-and-set loop on the aligned
 * 8-byte word that contains the operand, or, for an operand that crosses such a word, the same under a striped
 * lock keyed by address (atomic against other LOCKed accesses, as in Blink). An operand in MMIO or crossing a
 * page is done under the striped lock too.
 */
final class Atomics {
    private Atomics() {
    }

    static final int ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, INC = 8, DEC = 9, NOT = 10, NEG = 11,
            XADD = 12, XCHG = 13, BTS = 14, BTR = 15, BTC = 16;

    /** The new value of a read-modify-write, masked to the size. */
    static long compute(int kind, long old, long src, long cin, long mask) {
        switch (kind) {
            case ADD: case XADD: return (old + src) & mask;
            case OR: case BTS: return old | src;
            case ADC: return (old + src + cin) & mask;
            case SBB: return (old - src - cin) & mask;
            case AND: return old & src;
            case SUB: return (old - src) & mask;
            case XOR: case BTC: return (old ^ src) & mask;
            case INC: return (old + 1) & mask;
            case DEC: return (old - 1) & mask;
            case NOT: return ~old & mask;
            case NEG: return -old & mask;
            case XCHG: return src & mask;
            case BTR: return old & ~src;
            default: throw new IllegalArgumentException("rmw kind " + kind);
        }
    }

    /** Atomically applies {@code kind} at linear {@code la}; returns the old value. */
    static long rmw(Cpu c, long la, int size, int kind, long src, long cin) {
        long mask = Flags.MASK[size];
        if (((int) la & 0xFFF) + size > 4096) {
            return lockedSlow(c, la, size, kind, src, cin, mask);
        }
        long pa = c.translate(la, Cpu.WRITE, c.tlbUser != 0);
        long page = pa >>> 12;
        ByteBuffer b = c.mem.pageBuffer(page);
        if (b == null) {
            return lockedSlow(c, la, size, kind, src, cin, mask);
        }
        int off = c.mem.pageOffset(page) + ((int) pa & 0xFFF);
        long old;
        if ((off & 7) + size <= 8) {
            int wo = off & ~7;
            int shift = (off & 7) * 8;
            long m = mask << shift;
            while (true) {
                long word = (long) PhysicalMemory.LONG.getVolatile(b, wo);
                old = (word >>> shift) & mask;
                long nw = (word & ~m) | (compute(kind, old, src, cin, mask) << shift);
                if (PhysicalMemory.LONG.compareAndSet(b, wo, word, nw)) {
                    break;
                }
            }
        } else {
            synchronized (c.mem.stripe(pa)) {
                old = PhysicalMemory.load(b, off, size);
                PhysicalMemory.store(b, off, size, compute(kind, old, src, cin, mask));
            }
            java.lang.invoke.VarHandle.fullFence();
        }
        if (c.mem.hasCode(page)) {
            c.codeHit(page, (int) pa & 0xFFF, ((int) pa & 0xFFF) + size);
        }
        return old;
    }

    private static long lockedSlow(Cpu c, long la, int size, int kind, long src, long cin, long mask) {
        long pa = c.translate(la, Cpu.WRITE, c.tlbUser != 0);
        synchronized (c.mem.stripe(pa)) {
            long old = c.rd(la, size) & mask;
            c.wr(la, size, compute(kind, old, src, cin, mask));
            java.lang.invoke.VarHandle.fullFence();
            return old;
        }
    }

    /** LOCK CMPXCHG: writes {@code replacement} if the location holds {@code expected}; returns the old value. */
    static long cmpxchg(Cpu c, long la, int size, long expected, long replacement) {
        long mask = Flags.MASK[size];
        expected &= mask;
        replacement &= mask;
        long pa = c.translate(la, Cpu.WRITE, c.tlbUser != 0);
        long page = pa >>> 12;
        ByteBuffer b = c.mem.pageBuffer(page);
        int po = (int) pa & 0xFFF;
        if (b != null && po + size <= 4096) {
            int off = c.mem.pageOffset(page) + po;
            if ((off & 7) + size <= 8) {
                int wo = off & ~7;
                int shift = (off & 7) * 8;
                long m = mask << shift;
                while (true) {
                    long word = (long) PhysicalMemory.LONG.getVolatile(b, wo);
                    long old = (word >>> shift) & mask;
                    if (old != expected) {
                        return old;
                    }
                    long nw = (word & ~m) | (replacement << shift);
                    if (PhysicalMemory.LONG.compareAndSet(b, wo, word, nw)) {
                        if (c.mem.hasCode(page)) {
                            c.codeHit(page, po, po + size);
                        }
                        return old;
                    }
                }
            }
        }
        synchronized (c.mem.stripe(pa)) {
            long old = c.rd(la, size) & mask;
            c.wr(la, size, old == expected ? replacement : old);
            java.lang.invoke.VarHandle.fullFence();
            return old;
        }
    }
}
