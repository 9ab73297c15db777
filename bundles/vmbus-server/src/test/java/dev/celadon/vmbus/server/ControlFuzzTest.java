package dev.celadon.vmbus.server;

import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.VmbusVersion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded fuzz over the control messages (fixed count): plausible messages (small relids and handles, pages of
 * the partition) mutated at random, posted while two channels are open. The handler must answer every post
 * with a status and never throw; every message the host posts must decode; afterwards UNLOAD and a fresh
 * contact must give a working channel again. Count: system property {@code vmbus.control.fuzz.count} (default
 * 20,000, the suite's), seed {@code vmbus.control.fuzz.seed}; bench/fuzz.sh runs millions.
 */
class ControlFuzzTest extends LoopbackFixture {
    @Test
    void fuzzControlMessages() throws InterruptedException {
        long count = Long.getLong("vmbus.control.fuzz.count", 20_000);
        long seed = Long.getLong("vmbus.control.fuzz.seed", 0x5EED);
        List<OfferChannel> offers = connect();
        VmbusClient.GuestChannel ca = guest.open(offers.get(0), 2, 2);
        guest.open(offers.get(1), 2, 2);
        Random rnd = new Random(seed);
        int before = server.violations().size();
        String lastViolation = before == 0 ? null : server.violations().get(before - 1);
        java.util.TreeMap<String, Long> refusals = new java.util.TreeMap<>();
        long violations = 0;
        long closes = 0;
        long answers = 0;
        java.util.Map<Integer, ChannelInfo.State> states = new java.util.HashMap<>();
        long reopens = 0;
        // Pages for well-formed re-opens: relid r (1..2) uses chunk 2(r-1) or 2(r-1)+1 of 4 pages, alternately,
        // tearing its previous GPADL down first, so a closed channel really opens again (random inputs alone
        // reopened one 3 times in 10M: a GPADL and a matching OPEN rarely line up by chance).
        long[] reopenPages = guest.pages(32);
        int[] lastHandle = new int[5];
        int nextHandle = 0xE2000;
        long t0 = System.nanoTime();
        for (long i = 0; i < count; i++) {
            if (rnd.nextInt(25) == 0) {
                int r = 1 + rnd.nextInt(2); // the two channels offered
                int listening = ((dev.celadon.vmbus.server.internal.VmbusHost) server).messageConnectionId();
                int conn = listening > 0 ? listening : 4;
                if (lastHandle[r] != 0) {
                    guest.postRaw(conn, new ChannelMessage.GpadlTeardown(r, lastHandle[r]).encode());
                }
                int chunk = 2 * (r - 1) + (int) (i & 1);
                long[] pfns = java.util.Arrays.copyOfRange(reopenPages, 4 * chunk, 4 * chunk + 4);
                for (long pfn : pfns) {
                    memory.write(pfn * 4096, new byte[4096]); // as Linux does: ring pages start zeroed
                }
                lastHandle[r] = nextHandle++;
                guest.postRaw(conn, ChannelMessage.GpadlHeader.of(r, lastHandle[r], 4, 4 * 4096, 0, pfns).encode());
                guest.postRaw(conn, new ChannelMessage.OpenChannel(r, r, lastHandle[r], 0, 2, new byte[0]).encode());
            }
            byte[] m = template(rnd);
            int flips = rnd.nextInt(4);
            for (int f = 0; f < flips && m.length > 8; f++) {
                m[8 + rnd.nextInt(m.length - 8)] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(20) == 0) {
                m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length + 1));
            }
            // Mostly the connection the server listens on now (the fuzz may have reconnected elsewhere), so that
            // most inputs reach the handlers rather than the connection check.
            int listening = ((dev.celadon.vmbus.server.internal.VmbusHost) server).messageConnectionId();
            int connection = rnd.nextInt(10) == 0 ? (rnd.nextBoolean() ? 1 : 4) : listening > 0 ? listening : 4;
            int status = guest.postRaw(connection, m);
            assertTrue(status == HvStatus.SUCCESS || status == HvStatus.INVALID_CONNECTION_ID,
                    HvStatus.name(status));
            if (rnd.nextInt(50) == 0) {
                ca.signalHost();
            }
            // Tally: the newest violations since the last input (the server keeps the last MAX_EVENTS; each is a
            // new String, so identity finds where the previous input's end), and channels that left OPEN.
            List<String> v = server.violations();
            int from = v.size();
            while (from > 0 && v.get(from - 1) != lastViolation) {
                from--;
            }
            for (int k = from; k < v.size(); k++) {
                violations++;
                refusals.merge(reasonKey(v.get(k)), 1L, Long::sum);
            }
            if (!v.isEmpty()) {
                lastViolation = v.get(v.size() - 1);
            }
            for (ChannelInfo c : server.channels()) {
                ChannelInfo.State was = states.put(c.relid(), c.state());
                if (was == ChannelInfo.State.OPEN && c.state() != ChannelInfo.State.OPEN) {
                    closes++;
                }
                if (was != null && was != ChannelInfo.State.OPEN && c.state() == ChannelInfo.State.OPEN) {
                    reopens++;
                }
            }
            // Every answer the host posted must decode (drained as we go: a long run would pile them up).
            LoopbackPartition.Posted p;
            while ((p = partition.posted.poll()) != null) {
                ChannelMessage.decode(p.message().payload());
                answers++;
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(answers > 100, "the fuzzer reached answered messages: " + answers);
        assertTrue(violations > 0);
        assertTrue(count < 20_000 || reopens > 0, "no closed channel was opened again in " + count + " inputs");
        // Recovery: leave and come back.
        // Recovery: leave (the fuzz may already have unloaded, or reconnected at another version) and come back.
        int v = server.version();
        if (v != 0) {
            int id = ((dev.celadon.vmbus.server.internal.VmbusHost) server).messageConnectionId();
            VmbusClient.check(guest.postRaw(id, new ChannelMessage.Unload().encode()));
            assertTrue(guest.next() instanceof ChannelMessage.UnloadResponse);
        }
        assertEquals(0, server.version(), "connected after UNLOAD");
        partition.posted.clear();
        guest.messageConnectionId = 4;
        List<OfferChannel> again = connect();
        VmbusClient.GuestChannel c = guest.open(again.get(1), 2, 2);
        assertNotNull(c);
        echo(c, rnd, 50);
        StringBuilder top = new StringBuilder();
        refusals.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(25)
                .forEach(e -> top.append("\n    ").append(e.getValue()).append("  ").append(e.getKey()));
        System.out.printf("control fuzz: seed %d, %d inputs, %d channel closes, %d re-opens, %d answers, %d refusals (%d kinds),"
                + " host failures 0, %d ms (%.0f inputs/s); refusals by reason:%s%n", seed, count, closes, reopens, answers,
                violations, refusals.size(), ms, count * 1000.0 / Math.max(1, ms), top);
    }

    /** A violation's reason with its numbers taken out, so that refusals of one kind count together. */
    static String reasonKey(String reason) {
        String k = reason.replaceAll("0x[0-9a-fA-F]+", "#").replaceAll("\\d+", "#");
        return k.length() > 90 ? k.substring(0, 90) : k;
    }

    private byte[] template(Random rnd) {
        int relid = 1 + rnd.nextInt(4);
        int handle = 0xE1E10 + rnd.nextInt(6);
        long pfn = 0x400 + rnd.nextInt(64);
        return switch (rnd.nextInt(11)) {
            case 0 -> ChannelMessage.InitiateContact.v5(VmbusVersion.LINUX_6_1_PROPOSALS[rnd.nextInt(8)], 0, 2, 0, 0)
                    .encode();
            case 1 -> new ChannelMessage.RequestOffers().encode();
            case 2 -> ChannelMessage.GpadlHeader.of(relid, handle, 1 + rnd.nextInt(3), 4096, 0,
                    new long[] {pfn}).encode();
            case 3 -> new ChannelMessage.GpadlBody(0, handle, new long[] {pfn + 1}).encode();
            case 4 -> new ChannelMessage.GpadlTeardown(relid, handle).encode();
            case 5 -> new ChannelMessage.OpenChannel(relid, relid, handle, rnd.nextInt(3), 1 + rnd.nextInt(3),
                    new byte[0]).encode();
            case 6 -> new ChannelMessage.CloseChannel(relid).encode();
            case 7 -> new ChannelMessage.RelidReleased(relid).encode();
            case 8 -> new ChannelMessage.ModifyChannel(relid, rnd.nextInt(3)).encode();
            case 9 -> {
                byte[] b = new byte[8 + rnd.nextInt(233)];
                rnd.nextBytes(b);
                b[0] = (byte) rnd.nextInt(26);
                b[1] = b[2] = b[3] = 0;
                yield b;
            }
            default -> new ChannelMessage.RescindChannelOffer(relid).encode();
        };
    }
}
