package dev.celadon.ic.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a service ignored or closed, with the reason: logged (the first {@value #LOGGED} at WARN, then one in
 * {@value #EVERY}, so a guest cannot flood the host's log) and kept, the newest {@value #KEPT}, for tests and
 * vm:info.
 */
final class IcEvents {
    private static final Logger LOG = LoggerFactory.getLogger("dev.celadon.ic");
    static final int KEPT = 64;
    static final int LOGGED = 32;
    static final int EVERY = 1000;

    private final String name;
    private final ArrayDeque<String> events = new ArrayDeque<>();
    private long count;

    IcEvents(String name) {
        this.name = name;
    }

    synchronized void record(String reason) {
        count++;
        if (count <= LOGGED || count % EVERY == 0) {
            LOG.warn("{}: {} ({} so far)", name, reason, count);
        }
        if (events.size() == KEPT) {
            events.removeFirst();
        }
        events.addLast(reason);
    }

    synchronized List<String> snapshot() {
        return new ArrayList<>(events);
    }

    synchronized long count() {
        return count;
    }
}
