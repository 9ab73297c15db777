package dev.celadon.shell.storage.internal;

import dev.celadon.vhd.Vhd;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows a {@link Vhd.Progress} on the operator's screen. On a terminal one line is redrawn in place with
 * {@code \r} (bar, percent, MB/s), at most every {@link #REDRAW_NANOS} so a fast copy does not flood an SSH
 * session; elsewhere (a script, a log, {@code bin/client} output) a plain line per 10% so the output stays
 * readable as a file. MB/s is decimal megabytes, as dd and qemu-img print it, over the time since the start.
 */
final class ProgressBar implements Vhd.Progress {

    static final long REDRAW_NANOS = 100_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier clock;
    private final long start;
    private long lastDraw = Long.MIN_VALUE;
    private int lastDecile = -1;
    private boolean finished;

    ProgressBar(PrintStream out, boolean terminal, LongSupplier nanoClock) {
        this.out = out;
        this.terminal = terminal;
        this.clock = nanoClock;
        this.start = nanoClock.getAsLong();
    }

    @Override
    public void update(long done, long total) {
        long now = clock.getAsLong();
        int percent = total <= 0 ? 100 : (int) (done * 100 / total);
        boolean last = done >= total;
        if (terminal) {
            if (!last && lastDraw != Long.MIN_VALUE && now - lastDraw < REDRAW_NANOS) {
                return;
            }
            lastDraw = now;
            int filled = percent * WIDTH / 100;
            out.print("\r[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                    + String.format(Locale.ROOT, "%3d%% %s", percent, rate(done, now)));
            if (last) {
                out.println();
                finished = true;
            }
            out.flush();
        } else {
            int decile = percent / 10;
            if (decile == lastDecile) {
                return;
            }
            lastDecile = decile;
            out.println(String.format(Locale.ROOT, "%3d%% %d of %d MiB %s", percent, done >> 20, total >> 20,
                    rate(done, now)));
            finished = last;
        }
    }

    /** Ends a redrawn line that an error interrupted, so the error message starts on a line of its own. */
    void abandon() {
        if (terminal && lastDraw != Long.MIN_VALUE && !finished) {
            out.println();
            out.flush();
        }
    }

    private String rate(long done, long now) {
        double seconds = Math.max(now - start, 1) / 1e9;
        return String.format(Locale.ROOT, "%.1f MB/s", done / 1e6 / seconds);
    }
}
