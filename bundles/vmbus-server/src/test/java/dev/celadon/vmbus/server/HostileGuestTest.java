package dev.celadon.vmbus.server;

import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmbusVersion;
import dev.celadon.vmbus.server.internal.VmbusHost;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Each hostile sequence refuses that request or closes that channel, with a reason; channel B keeps echoing. */
class HostileGuestTest extends LoopbackFixture {
    List<OfferChannel> offers;
    VmbusClient.GuestChannel ca;
    VmbusClient.GuestChannel cb;
    Random rnd = new Random(99);

    @BeforeEach
    void openBoth() throws InterruptedException {
        offers = connect();
        ca = guest.open(offers.get(0), 2, 2);
        cb = guest.open(offers.get(1), 2, 2);
        echo(ca, rnd, 5);
        echo(cb, rnd, 5);
    }

    void lastViolationMentions(String text) {
        List<String> v = server.violations();
        assertFalse(v.isEmpty(), "no violation recorded");
        assertTrue(v.get(v.size() - 1).contains(text), v.get(v.size() - 1));
    }

    @Test
    void duplicateInitiateContactIsRefusedAndNothingElseChanges() throws InterruptedException {
        guest.postRaw(4, ChannelMessage.InitiateContact.v5(VmbusVersion.WIN10_V5_3, 0, 2, 0, 0).encode());
        assertFalse(guest.next(ChannelMessage.VersionResponse.class).supported());
        lastViolationMentions("while connected");
        assertEquals(VmbusVersion.WIN10_V5_3, server.version());
        echo(ca, rnd, 20);
        echo(cb, rnd, 20);
        guest.post(new ChannelMessage.RequestOffers());
        assertTrue(guest.quiet(), "duplicate REQUESTOFFERS answered");
        lastViolationMentions("duplicate REQUESTOFFERS");
    }

    @Test
    void gpadlBodyForAnUnknownHandle() throws InterruptedException {
        guest.post(new ChannelMessage.GpadlBody(0, 0x777, new long[] {0x300}));
        lastViolationMentions("0x777");
        assertTrue(guest.quiet());
        echo(cb, rnd, 20);
    }

    @Test
    void overlappingGpadlsAreRefused() throws InterruptedException {
        // A names a page of B's ring: that would let one device's buffer be another's ring.
        long[] mine = guest.pages(3);
        long[] pfns = {mine[0], cb.pfns[1], mine[1]};
        ChannelMessage.GpadlCreated c = guest.createGpadl(ca.relid(), guest.newHandle(), pfns);
        assertEquals(ca.relid(), c.childRelid());
        assertEquals(VmbusHost.STATUS_UNSUCCESSFUL, c.status());
        lastViolationMentions("already names");
        // Pages outside RAM are refused too.
        c = guest.createGpadl(ca.relid(), guest.newHandle(), new long[] {RAM / 4096 + 5, mine[2]});
        assertNotEquals(0, c.status());
        lastViolationMentions("not RAM");
        echo(cb, rnd, 20);
        echo(ca, rnd, 20);
    }

    @Test
    void openBeforeGpadlAndOpenOfUnknownChannel() throws InterruptedException {
        int relid = server.offer(new EchoDevice());
        OfferChannel c = guest.next(OfferChannel.class);
        assertEquals(relid, c.childRelid());
        guest.post(new ChannelMessage.OpenChannel(relid, relid, 0xABCDE, 0, 2, new byte[0]));
        ChannelMessage.OpenChannelResult r = guest.next(ChannelMessage.OpenChannelResult.class);
        assertEquals(VmbusHost.STATUS_UNSUCCESSFUL, r.status());
        lastViolationMentions("not a GPADL of this channel");
        // B's ring GPADL is not C's either.
        guest.post(new ChannelMessage.OpenChannel(relid, relid, cb.handle, 0, 2, new byte[0]));
        assertNotEquals(0, guest.next(ChannelMessage.OpenChannelResult.class).status());
        guest.post(new ChannelMessage.OpenChannel(900, 900, cb.handle, 0, 2, new byte[0]));
        assertNotEquals(0, guest.next(ChannelMessage.OpenChannelResult.class).status());
        lastViolationMentions("not offered");
        // A second open of an open channel is refused, the first one goes on.
        guest.post(new ChannelMessage.OpenChannel(cb.relid(), cb.relid(), cb.handle, 0, 2, new byte[0]));
        assertNotEquals(0, guest.next(ChannelMessage.OpenChannelResult.class).status());
        lastViolationMentions("already open");
        echo(cb, rnd, 20);
        // And a ring split that leaves one ring without data pages.
        long[] p = guest.pages(3);
        int h = guest.newHandle();
        assertEquals(0, guest.createGpadl(relid, h, p).status());
        guest.post(new ChannelMessage.OpenChannel(relid, relid, h, 0, 1, new byte[0]));
        assertNotEquals(0, guest.next(ChannelMessage.OpenChannelResult.class).status());
        lastViolationMentions("pageoffset");
    }

    @Test
    void ringIndexOutOfRangeClosesJustThatChannel() throws InterruptedException {
        // The guest scribbles write_index = 0xFFFFFFF8 into its guest-to-host ring and signals.
        memory.poke32(ca.outHeaderGpa(), 0xFFFFFFF8);
        ca.signalHost();
        long deadline = System.currentTimeMillis() + 5000;
        while (info(ca.relid()).state() != ChannelInfo.State.FAILED && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        ChannelInfo i = info(ca.relid());
        assertEquals(ChannelInfo.State.FAILED, i.state());
        assertTrue(i.closeReason().contains("4294967288") && i.closeReason().contains("beyond"), i.closeReason());
        // The listing shows the damage from the header without throwing, and counts the violation.
        assertEquals("invalid: write_index 4294967288 is beyond the ring's 4096 data bytes", i.inbound().toString());
        assertEquals(1, i.violations());
        assertEquals(0, info(cb.relid()).violations());
        assertTrue(server.violations().stream().anyMatch(v -> v.contains("channel " + ca.relid() + " closed")));
        // The device was closed after its worker ended.
        deadline = System.currentTimeMillis() + 5000;
        while (a.events().size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(List.of("open", "close"), a.events());
        assertFalse(a.worker.isAlive());
        echo(cb, rnd, 50);
        // Reopen before CLOSE is refused; after CLOSE and a fresh ring it works again.
        guest.post(new ChannelMessage.OpenChannel(ca.relid(), ca.relid(), ca.handle, 0, 2, new byte[0]));
        assertNotEquals(0, guest.next(ChannelMessage.OpenChannelResult.class).status());
        ca.close();
        assertEquals(ChannelInfo.State.OFFERED, info(ca.relid()).state());
        VmbusClient.GuestChannel again = guest.openOver(offers.get(0), ca.handle, ca.pfns, 2);
        assertNotNull(again);
        echo(again, rnd, 20);
    }

    @Test
    void badPacketLengthClosesJustThatChannel() throws InterruptedException {
        // A descriptor claiming len8 = 65535 with only 24 bytes published.
        long data = ca.pfns[1] * 4096L;
        int w = (int) memory.peek32(ca.outHeaderGpa());
        memory.poke(data + w, new byte[] {6, 0, 2, 0, (byte) 0xff, (byte) 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0});
        memory.poke32(ca.outHeaderGpa(), w + 24);
        ca.signalHost();
        long deadline = System.currentTimeMillis() + 5000;
        while (info(ca.relid()).state() != ChannelInfo.State.FAILED && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(ChannelInfo.State.FAILED, info(ca.relid()).state());
        assertNotNull(info(ca.relid()).closeReason());
        echo(cb, rnd, 50);
    }

    @Test
    void teardownOfAnOpenRingClosesThatChannelFirst() throws InterruptedException {
        guest.post(new ChannelMessage.GpadlTeardown(ca.relid(), ca.handle));
        assertEquals(ca.handle, guest.next(ChannelMessage.GpadlTorndown.class).gpadl());
        assertEquals(ChannelInfo.State.FAILED, info(ca.relid()).state());
        assertTrue(info(ca.relid()).closeReason().contains("torn down while open"));
        // Teardown of B's GPADL claiming to be A's: refused, B unharmed.
        guest.post(new ChannelMessage.GpadlTeardown(ca.relid(), cb.handle));
        assertTrue(guest.quiet());
        lastViolationMentions("owned by channel " + cb.relid());
        echo(cb, rnd, 50);
    }

    @Test
    void junkOnTheMessageConnection() throws InterruptedException {
        assertEquals(HvStatus.SUCCESS, guest.postRaw(4, new byte[] {99, 0, 0, 0, 0, 0, 0, 0}));
        lastViolationMentions("unknown VMBus message type 99");
        guest.postRaw(4, new ChannelMessage.VersionResponse(true, 0, 4).encode());
        lastViolationMentions("host-to-guest");
        guest.post(new ChannelMessage.RelidReleased(cb.relid()));
        lastViolationMentions("not rescinded");
        assertEquals(HvStatus.INVALID_CONNECTION_ID, guest.postRaw(77, new byte[8]));
        echo(cb, rnd, 20);
        echo(ca, rnd, 20);
    }
}
