package dev.celadon.hypervisor.core.internal;

import dev.celadon.hypervisor.api.HypervisorException;
import java.util.Arrays;

/**
 * Non-overlapping address ranges mapped to handlers. Lookups run on every guest exit, so they read an
 * immutable snapshot without locking (binary search); changes, rare, copy the arrays.
 */
final class RangeTable<H> {

    private record Snapshot(long[] starts, long[] ends, Object[] handlers) {
    }

    private final String space;
    private volatile Snapshot snapshot = new Snapshot(new long[0], new long[0], new Object[0]);

    RangeTable(String space) {
        this.space = space;
    }

    /** Claims [start, start+length); fails if any part is claimed already. */
    synchronized void add(long start, long length, H handler) {
        if (length <= 0 || start < 0 || start + length < start) {
            throw new HypervisorException(String.format("invalid %s range 0x%x+0x%x", space, start, length));
        }
        Snapshot s = snapshot;
        long end = start + length;
        int i = insertionPoint(s.starts, start);
        if ((i > 0 && s.ends[i - 1] > start) || (i < s.starts.length && s.starts[i] < end)) {
            int clash = (i > 0 && s.ends[i - 1] > start) ? i - 1 : i;
            throw new HypervisorException(String.format("%s range 0x%x-0x%x overlaps 0x%x-0x%x claimed by %s",
                    space, start, end - 1, s.starts[clash], s.ends[clash] - 1, s.handlers[clash]));
        }
        int n = s.starts.length;
        long[] starts = new long[n + 1];
        long[] ends = new long[n + 1];
        Object[] handlers = new Object[n + 1];
        System.arraycopy(s.starts, 0, starts, 0, i);
        System.arraycopy(s.ends, 0, ends, 0, i);
        System.arraycopy(s.handlers, 0, handlers, 0, i);
        starts[i] = start;
        ends[i] = end;
        handlers[i] = handler;
        System.arraycopy(s.starts, i, starts, i + 1, n - i);
        System.arraycopy(s.ends, i, ends, i + 1, n - i);
        System.arraycopy(s.handlers, i, handlers, i + 1, n - i);
        snapshot = new Snapshot(starts, ends, handlers);
    }

    /** Releases the claim that starts at {@code start} with this handler; no-op if it is gone already. */
    synchronized void remove(long start, H handler) {
        Snapshot s = snapshot;
        int i = Arrays.binarySearch(s.starts, start);
        if (i < 0 || s.handlers[i] != handler) {
            return;
        }
        int n = s.starts.length;
        long[] starts = new long[n - 1];
        long[] ends = new long[n - 1];
        Object[] handlers = new Object[n - 1];
        System.arraycopy(s.starts, 0, starts, 0, i);
        System.arraycopy(s.ends, 0, ends, 0, i);
        System.arraycopy(s.handlers, 0, handlers, 0, i);
        System.arraycopy(s.starts, i + 1, starts, i, n - i - 1);
        System.arraycopy(s.ends, i + 1, ends, i, n - i - 1);
        System.arraycopy(s.handlers, i + 1, handlers, i, n - i - 1);
        snapshot = new Snapshot(starts, ends, handlers);
    }

    /** The handler whose range holds [address, address+size), or null. */
    @SuppressWarnings("unchecked")
    H find(long address, int size) {
        Snapshot s = snapshot;
        int i = insertionPoint(s.starts, address + 1) - 1;
        if (i >= 0 && address + size <= s.ends[i]) {
            return (H) s.handlers[i];
        }
        return null;
    }

    int size() {
        return snapshot.starts.length;
    }

    /** Index of the first start greater than or equal to {@code key}. */
    private static int insertionPoint(long[] starts, long key) {
        int i = Arrays.binarySearch(starts, key);
        return i >= 0 ? i : -i - 1;
    }
}
