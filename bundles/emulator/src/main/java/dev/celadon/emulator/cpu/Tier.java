package dev.celadon.emulator.cpu;

import java.util.Locale;

/**
 * How a {@link Cpu} executes guest code. The interpreter is the reference; the translator runs a block the
 * interpreter has run {@link Cpu#translationThreshold()} times as JVM bytecode generated for that block
 * (a hidden class per block), with identical results.
 */
public enum Tier {
    /** Decoded instructions run one handler at a time. */
    INTERPRETER,
    /** Hot blocks are translated to JVM bytecode; the rest is interpreted. */
    TRANSLATOR;

    /** The system property that picks the default tier: {@code interpreter} or {@code translator}. */
    public static final String PROPERTY = "celadon.emulator.tier";
    /** The system property with the number of interpreted runs before a block is translated (0: at once). */
    public static final String THRESHOLD_PROPERTY = "celadon.emulator.translate.threshold";
    /** Runs of a block before it is translated, unless {@link #THRESHOLD_PROPERTY} says otherwise. */
    public static final int DEFAULT_THRESHOLD = 64;

    /**
     * The tier named by {@link #PROPERTY}, or {@link #INTERPRETER} when it is not set: measured on Debian's
     * kernel, the translator makes the boot slower (bench/results.md, "boot": boot code runs a block a few hundred
     * times, too few to repay generating, loading and JIT-compiling a class for it), while CPU-bound loops run
     * about 4x faster with it (bench/results.md, "cpu"). Choose it for long-running, loop-heavy guests.
     */
    public static Tier fromSystemProperty() {
        String v = System.getProperty(PROPERTY, "interpreter").trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "interpreter": return INTERPRETER;
            case "translator": return TRANSLATOR;
            default: throw new IllegalArgumentException(PROPERTY + " must be interpreter or translator, not " + v);
        }
    }

    /** The threshold named by {@link #THRESHOLD_PROPERTY}, or {@link #DEFAULT_THRESHOLD}. */
    public static int thresholdFromSystemProperty() {
        String v = System.getProperty(THRESHOLD_PROPERTY);
        if (v == null) {
            return DEFAULT_THRESHOLD;
        }
        int t = Integer.parseInt(v.trim());
        if (t < 0) {
            throw new IllegalArgumentException(THRESHOLD_PROPERTY + " must be 0 or more, not " + t);
        }
        return t;
    }
}
