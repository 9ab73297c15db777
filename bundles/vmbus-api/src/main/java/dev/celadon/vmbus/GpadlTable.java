package dev.celadon.vmbus;

import java.util.HashMap;
import java.util.Map;

/**
 * The GPADLs of one VMBus connection, by handle, each owned by a channel. A page may be named by several GPADLs
 * of one channel, never by GPADLs of two channels: otherwise one channel's guest buffer would be another
 * channel's ring, and a hostile guest could make one device write into another's memory. Thread-safe.
 */
public final class GpadlTable {
    private record Entry(int channel, Gpadl gpadl) {
    }

    /** How many of one channel's GPADLs name a page. */
    private static final class PageUse {
        final int channel;
        int count;

        PageUse(int channel) {
            this.channel = channel;
        }
    }

    private final Map<Integer, Entry> byHandle = new HashMap<>();
    private final Map<Long, PageUse> pages = new HashMap<>();

    /**
     * Records {@code gpadl} under {@code handle} for {@code channel} (its child relid).
     *
     * @throws GpadlException if the handle is taken or a page belongs to another channel's GPADL
     */
    public synchronized void add(int channel, int handle, Gpadl gpadl) {
        Entry old = byHandle.get(handle);
        if (old != null) {
            throw new GpadlException(String.format("GPADL handle 0x%x is already in use by channel %d", handle,
                    old.channel));
        }
        for (int i = 0; i < gpadl.pageCount(); i++) {
            PageUse use = pages.get(gpadl.pfn(i));
            if (use != null && use.channel != channel) {
                throw new GpadlException(String.format("GPADL 0x%x of channel %d names page frame 0x%x, which a"
                        + " GPADL of channel %d already names", handle, channel, gpadl.pfn(i), use.channel));
            }
        }
        for (int i = 0; i < gpadl.pageCount(); i++) {
            pages.computeIfAbsent(gpadl.pfn(i), p -> new PageUse(channel)).count++;
        }
        byHandle.put(handle, new Entry(channel, gpadl));
    }

    /** The GPADL under {@code handle}, or null. */
    public synchronized Gpadl get(int handle) {
        Entry e = byHandle.get(handle);
        return e == null ? null : e.gpadl;
    }

    /** The channel that owns {@code handle}, or -1. */
    public synchronized int channelOf(int handle) {
        Entry e = byHandle.get(handle);
        return e == null ? -1 : e.channel;
    }

    /** Removes and returns the GPADL under {@code handle}, or null if there is none. */
    public synchronized Gpadl remove(int handle) {
        Entry e = byHandle.remove(handle);
        if (e == null) {
            return null;
        }
        for (int i = 0; i < e.gpadl.pageCount(); i++) {
            long pfn = e.gpadl.pfn(i);
            PageUse use = pages.get(pfn);
            if (--use.count == 0) {
                pages.remove(pfn);
            }
        }
        return e.gpadl;
    }

    /** Removes every GPADL of {@code channel} (a rescind or an unload); returns how many. */
    public synchronized int removeChannel(int channel) {
        int[] handles = byHandle.entrySet().stream().filter(e -> e.getValue().channel == channel)
                .mapToInt(Map.Entry::getKey).toArray();
        for (int h : handles) {
            remove(h);
        }
        return handles.length;
    }

    public synchronized int size() {
        return byHandle.size();
    }
}
