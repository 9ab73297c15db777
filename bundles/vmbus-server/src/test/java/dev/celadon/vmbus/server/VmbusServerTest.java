package dev.celadon.vmbus.server;

import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import dev.celadon.vmbus.VmbusVersion;
import dev.celadon.vmbus.server.internal.VmbusHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class VmbusServerTest extends LoopbackFixture {
    @Test
    void negotiatesFiveThreeFirstAndRecordsWhatTheGuestSent() throws InterruptedException {
        assertEquals(0, server.version());
        // What Linux 6.1 sends first: 5.3 on connection 4, SINT 2, two monitor pages.
        guest.postRaw(4, ChannelMessage.InitiateContact.v5(VmbusVersion.WIN10_V5_3, 1, 2, 0x10000, 0x11000).encode());
        LoopbackPartition.Posted p = partition.posted.poll();
        assertNotNull(p);
        assertEquals(1, p.vp(), "answered on target_vcpu");
        assertEquals(2, p.sint());
        byte[] raw = p.message().payload();
        assertEquals(16, raw.length, "VERSION_RESPONSE is 16 bytes");
        assertEquals(15, raw[0]);
        assertEquals(1, raw[8], "supported");
        assertEquals(4, raw[12] & 0xff, "message connection id");
        assertEquals(VmbusVersion.WIN10_V5_3, server.version());
        VmbusHost h = (VmbusHost) server;
        assertEquals(4, h.messageConnectionId());
        assertArrayEquals(new long[] {0x10000, 0x11000}, h.monitorPages());
    }

    @Test
    void everyVersionLinuxProposesIsAcceptedOnItsConnectionAndOthersRefused() throws InterruptedException {
        for (int v : VmbusVersion.LINUX_6_1_PROPOSALS) {
            assertTrue(VmbusHost.accepts(v));
        }
        assertFalse(VmbusHost.accepts(VmbusVersion.WIN7));
        assertFalse(VmbusHost.accepts(VmbusVersion.WS2008));
        // A 5.x proposal on the pre-5.0 id is refused; an old guest offering Win7 then 4.0 gets 4.0 on id 1.
        guest.postRaw(1, ChannelMessage.InitiateContact.v5(VmbusVersion.WIN10_V5_3, 0, 2, 0, 0).encode());
        assertFalse(guest.next(ChannelMessage.VersionResponse.class).supported());
        assertEquals(VmbusVersion.WIN10, guest.negotiate(VmbusVersion.WIN7, VmbusVersion.WIN10));
        assertEquals(1, ((VmbusHost) server).messageConnectionId());
        assertEquals(0x12000, ((VmbusHost) server).interruptPage());
        assertEquals(2, guest.requestOffers().size());
        // Messages on id 4 are not the negotiated connection now.
        assertEquals(HvStatus.INVALID_CONNECTION_ID, guest.postRaw(4, new ChannelMessage.RequestOffers().encode()));
    }

    @Test
    void offersThenAllOffersDeliveredAndHotAdd() throws InterruptedException {
        List<OfferChannel> offers = connect();
        assertEquals(2, offers.size());
        assertEquals(a.instance(), offers.get(0).interfaceInstance());
        assertEquals(b.instance(), offers.get(1).interfaceInstance());
        for (OfferChannel o : offers) {
            assertEquals(EchoDevice.TYPE, o.interfaceType());
            assertFalse(o.monitorAllocated());
            assertTrue(o.dedicatedInterrupt());
            assertEquals(o.childRelid() + 16, o.connectionId());
            assertTrue(partition.connected(o.connectionId()));
        }
        assertNotEquals(offers.get(0).childRelid(), offers.get(1).childRelid());
        EchoDevice c = new EchoDevice();
        int relid = server.offer(c);
        OfferChannel hot = guest.next(OfferChannel.class);
        assertEquals(relid, hot.childRelid());
        assertEquals(c.instance(), hot.interfaceInstance());
        assertThrows(IllegalStateException.class, () -> server.offer(c));
    }

    @Test
    void gpadlCreateAndTeardownAcrossBodies() throws InterruptedException {
        OfferChannel o = connect().get(0);
        long[] pfns = guest.pages(100); // header 26 + bodies 28, 28, 18
        ChannelMessage.GpadlCreated c = guest.createGpadl(o.childRelid(), 0xE1E10, pfns);
        assertEquals(0, c.status());
        assertEquals(o.childRelid(), c.childRelid());
        assertEquals(0xE1E10, c.gpadl());
        assertEquals(1, info(o.childRelid()).gpadls());
        guest.post(new ChannelMessage.GpadlTeardown(o.childRelid(), 0xE1E10));
        assertEquals(0xE1E10, guest.next(ChannelMessage.GpadlTorndown.class).gpadl());
        assertEquals(0, info(o.childRelid()).gpadls());
        // The pages are free again: another channel may use them now.
        assertEquals(0, guest.createGpadl(connectOffer(1), 0xE1E11, pfns).status());
    }

    int connectOffer(int index) {
        return server.channels().get(index).relid();
    }

    @Test
    void echoBothWaysThroughTheRingsWithSignals() throws InterruptedException {
        List<OfferChannel> offers = connect();
        VmbusClient.GuestChannel ca = guest.open(offers.get(0), 4, 4);
        VmbusClient.GuestChannel cb = guest.open(offers.get(1), 2, 3);
        assertNotNull(ca);
        assertEquals(ChannelInfo.State.OPEN, info(ca.relid()).state());
        Random rnd = new Random(11);
        echo(ca, rnd, 2000); // 12 KiB data ring: many wraps
        echo(cb, rnd, 300);
        ChannelInfo i = info(ca.relid());
        assertEquals(2000, i.packetsIn());
        assertEquals(2000, i.packetsOut());
        assertTrue(i.signalsIn() > 0 && i.signalsIn() <= ca.signalsSent, i.toString());
        assertTrue(i.signalsOut() > 0);
        // Every echo was read by both sides: both rings empty, their data areas 3 pages each.
        assertEquals("0/12288", i.inbound().toString());
        assertEquals("0/12288", i.outbound().toString());
        assertEquals(0, i.violations());
        assertEquals(8192, info(cb.relid()).outbound().dataSize());
        assertEquals(2, partition.sintOfFlag(0, ca.relid()), "channel events on SINT 2");
        assertTrue(a.worker.getName().startsWith("vmbus-channel-"));
    }

    @Test
    void closeStopsTheWorkerAndTheChannelOpensAgain() throws InterruptedException {
        List<OfferChannel> offers = connect();
        VmbusClient.GuestChannel ca = guest.open(offers.get(0), 2, 2);
        echo(ca, new Random(1), 5);
        Thread w = a.worker;
        ca.close();
        assertFalse(w.isAlive(), "worker joined on close");
        assertEquals(List.of("open", "close"), a.events());
        assertEquals(ChannelInfo.State.OFFERED, info(ca.relid()).state());
        ca.teardown();
        VmbusClient.GuestChannel again = guest.open(offers.get(0), 3, 2);
        assertNotNull(again);
        echo(again, new Random(2), 50);
        assertEquals(List.of("open", "close", "open"), a.events());
    }

    @Test
    void rescindClosesAndForgetsAfterRelidReleased() throws InterruptedException {
        List<OfferChannel> offers = connect();
        VmbusClient.GuestChannel ca = guest.open(offers.get(0), 2, 2);
        VmbusClient.GuestChannel cb = guest.open(offers.get(1), 2, 2);
        assertTrue(server.rescind(a));
        assertEquals(ca.relid(), guest.next(ChannelMessage.RescindChannelOffer.class).childRelid());
        assertEquals(List.of("open", "close"), a.events());
        assertEquals(ChannelInfo.State.RESCINDED, info(ca.relid()).state());
        // Linux: close, teardown, then release the relid; none of it is a violation.
        ca.close();
        ca.teardown();
        guest.post(new ChannelMessage.RelidReleased(ca.relid()));
        assertNull(info(ca.relid()));
        assertEquals(List.of(), server.violations());
        assertFalse(partition.connected(offers.get(0).connectionId()));
        assertFalse(server.rescind(a));
        echo(cb, new Random(3), 100);
        // The relid is reused by the next hot add.
        assertEquals(ca.relid(), server.offer(new EchoDevice()));
    }

    @Test
    void unloadClosesEverythingAndTheGuestCanComeBack() throws InterruptedException {
        List<OfferChannel> offers = connect();
        VmbusClient.GuestChannel ca = guest.open(offers.get(0), 2, 2);
        echo(ca, new Random(4), 10);
        guest.post(new ChannelMessage.Unload());
        guest.next(ChannelMessage.UnloadResponse.class);
        assertEquals(0, server.version());
        assertEquals(List.of("open", "close"), a.events());
        assertTrue(server.channels().stream().allMatch(c -> c.state() == ChannelInfo.State.PENDING && c.gpadls() == 0));
        // kexec'd kernel: contact again, same offers, the old ring pages may be reused.
        guest.messageConnectionId = 4;
        List<OfferChannel> again = connect();
        assertEquals(2, again.size());
        assertEquals(0, guest.createGpadl(again.get(0).childRelid(), ca.handle, ca.pfns).status());
        VmbusClient.GuestChannel c2 = guest.openOver(again.get(0), ca.handle, ca.pfns, 2);
        echo(c2, new Random(5), 10);
    }

    @Test
    void ringGpadlPagesAreGuestPhysicalPagesOfTheRing() throws InterruptedException {
        // The host writes its echo into the host-to-guest ring: the first data byte must land at
        // pfns[sendPages + 1] * 4096 + 16 in guest RAM (after the ring's header page and the descriptor).
        List<OfferChannel> offers = connect();
        VmbusClient.GuestChannel ca = guest.open(offers.get(0), 2, 2);
        ca.send(VmPacket.inband(0, 7, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        assertNotNull(partition.awaitEvent(0, ca.relid(), 2000) ? "" : null);
        long data = ca.pfns[3] * Gpadl.PAGE_SIZE;
        byte[] raw = memory.peek(data, 24);
        assertEquals(VmPacketType.COMPLETION, raw[0] & 0xff);
        assertEquals(1 ^ 0x5A, raw[16]);
        assertEquals(8 ^ 0x5A, raw[23]);
        assertEquals(32, memory.peek32(ca.pfns[2] * Gpadl.PAGE_SIZE), "host-to-guest write_index");
        assertEquals(32, memory.peek32(ca.pfns[0] * Gpadl.PAGE_SIZE + 4), "guest-to-host read_index");
    }
}
