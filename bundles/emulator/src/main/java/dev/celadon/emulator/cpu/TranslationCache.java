package dev.celadon.emulator.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

/**
 * One processor's translated blocks: translates a block that has become hot into a hidden class, and keeps
 * the translations within a budget (count and class-file bytes).
 *
 * <p>A translation belongs to its {@link Block}: a block that goes stale (its page was written) is never run
 * again, so neither is its translation, and a block evicted here goes back to the interpreter. Hidden classes
 * are defined without {@code ClassOption.STRONG}, so once no block refers to a translation its class can be
 * unloaded by the garbage collector.
 */
final class TranslationCache {
    /** At most this many live translations and class-file bytes per processor; the oldest are evicted first. */
    static final int MAX_BLOCKS = 8192;
    static final long MAX_BYTES = 32L << 20;
    private int maxBlocks = MAX_BLOCKS;
    private long maxBytes = MAX_BYTES;

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final MethodType CTOR = MethodType.methodType(void.class);

    private final PhysicalMemory mem;
    private final ArrayDeque<Block> live = new ArrayDeque<>();
    private long bytes;
    long translated, failed, tooLarge, evicted, inlinedInsns, calledInsns;
    /** The first translation failure (a defect: the block stays interpreted). */
    Throwable firstFailure;

    TranslationCache(PhysicalMemory mem) {
        this.mem = mem;
    }

    /** Translates {@code b} (decoded in {@code mode}); null when it cannot be (it then stays interpreted). */
    Translated translate(Block b, int mode) {
        BlockTranslator t = new BlockTranslator(b.insns, mode, b.page, b.gen);
        Translated x;
        try {
            byte[] cls = t.generate();
            if (cls == null) {
                tooLarge++;
                b.hits = Integer.MIN_VALUE;
                return null;
            }
            MethodHandles.Lookup h = LOOKUP.defineHiddenClassWithClassData(cls, Arrays.asList(b.insns), true);
            x = (Translated) h.findConstructor(h.lookupClass(), CTOR).invoke();
            x.classBytes = cls.length;
        } catch (Throwable e) {
            failed++;
            if (firstFailure == null) {
                firstFailure = e;
            }
            b.hits = Integer.MIN_VALUE;
            return null;
        }
        translated++;
        inlinedInsns += t.inlined;
        calledInsns += t.called;
        makeRoom(x.classBytes);
        live.add(b);
        bytes += x.classBytes;
        b.translated = x;
        return x;
    }

    private void makeRoom(int more) {
        if (live.size() < maxBlocks && bytes + more <= maxBytes) {
            return;
        }
        // Stale blocks first: their translations can never run again.
        for (Iterator<Block> it = live.iterator(); it.hasNext(); ) {
            Block s = it.next();
            if (s.gen != mem.generation(s.page)) {
                it.remove();
                drop(s);
            }
        }
        while (!live.isEmpty() && (live.size() >= maxBlocks || bytes + more > maxBytes)) {
            drop(live.poll());
        }
    }

    private void drop(Block s) {
        Translated x = s.translated;
        if (x != null) {
            bytes -= x.classBytes;
            s.translated = null;
            s.hits = 0;
            evicted++;
        }
    }

    /** A smaller budget (tests). */
    void setBudget(int blocks, long classBytes) {
        maxBlocks = blocks;
        maxBytes = classBytes;
    }

    /** Drops every translation (their blocks go back to the interpreter). */
    void clear() {
        while (!live.isEmpty()) {
            drop(live.poll());
        }
    }

    /** The live translations, oldest first (tests). */
    java.util.List<Translated> liveTranslations() {
        java.util.List<Translated> l = new java.util.ArrayList<>();
        for (Block b : live) {
            l.add(b.translated);
        }
        return l;
    }

    long bytes() {
        return bytes;
    }

    int size() {
        return live.size();
    }
}
