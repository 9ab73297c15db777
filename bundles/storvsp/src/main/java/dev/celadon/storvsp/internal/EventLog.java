package dev.celadon.storvsp.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What the VSP refused or closed, with the reason: logged (the first {@value #LOGGED} at WARN, then one in
 * {@value #EVERY}, so a guest cannot flood the host's log) and kept, the newest {@value #KEPT}, for tests and
 * the shell.
 */
public final class EventLog {
    private static final Logger LOG = LoggerFactory.getLogger("dev.celadon.storvsp");
    static final int KEPT = 256;
    static final int LOGGED = 64;
    static final int EVERY = 1000;

    private final String name;
    private final ArrayDeque<String> events = new ArrayDeque<>();
    private long count;

    public EventLog(String name) {
        this.name = name;
    }

    public synchronized void record(int relid, String reason) {
        String e = "channel " + relid + ": " + reason;
        count++;
        if (count <= LOGGED || count % EVERY == 0) {
            LOG.warn("storvsp {}: {} ({} so far)", name, e, count);
        }
        if (events.size() == KEPT) {
            events.removeFirst();
        }
        events.addLast(e);
    }

    public synchronized List<String> snapshot() {
        return new ArrayList<>(events);
    }

    public synchronized long count() {
        return count;
    }
}
