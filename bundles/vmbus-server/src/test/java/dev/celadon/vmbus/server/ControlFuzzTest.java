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
 * contact must give a working channel again.
 */
class ControlFuzzTest extends LoopbackFixture {
    static final int COUNT = 20_000;

    @Test
    void fuzzControlMessages() throws InterruptedException {
        List<OfferChannel> offers = connect();
        VmbusClient.GuestChannel ca = guest.open(offers.get(0), 2, 2);
        guest.open(offers.get(1), 2, 2);
        Random rnd = new Random(0x5EED);
        int before = server.violations().size();
        for (int i = 0; i < COUNT; i++) {
            byte[] m = template(rnd);
            int flips = rnd.nextInt(4);
            for (int f = 0; f < flips && m.length > 8; f++) {
                m[8 + rnd.nextInt(m.length - 8)] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(20) == 0) {
                m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length + 1));
            }
            int status = guest.postRaw(rnd.nextInt(10) == 0 ? 1 : 4, m);
            assertTrue(status == HvStatus.SUCCESS || status == HvStatus.INVALID_CONNECTION_ID,
                    HvStatus.name(status));
            if (rnd.nextInt(50) == 0) {
                ca.signalHost();
            }
        }
        LoopbackPartition.Posted p;
        int answers = 0;
        while ((p = partition.posted.poll()) != null) {
            ChannelMessage.decode(p.message().payload());
            answers++;
        }
        assertTrue(answers > 100, "the fuzzer reached answered messages: " + answers);
        assertTrue(server.violations().size() > before);
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
