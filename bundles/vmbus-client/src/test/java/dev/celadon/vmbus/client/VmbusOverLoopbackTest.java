package dev.celadon.vmbus.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.GuestMemoryException;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.core.internal.hyperv.HvPartitionImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import dev.celadon.vmbus.VmbusVersion;
import dev.celadon.vmbus.server.ChannelInfo;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Java VMBus guest against the real VMBus server, across the real core: a loopback partition made by the
 * partition manager, its Hyper-V layer (synthetic MSRs, hypercall dispatcher, SynIC pages in guest RAM) between
 * them. Nothing is short-circuited: every control message is an HvPostMessage hypercall, every host answer a
 * SynIC message the guest takes from its SIMP page, every channel signal an HvSignalEvent or an SIEFP flag
 * with an interrupt.
 */
class VmbusOverLoopbackTest extends LoopbackVmbusFixture {

    @Test
    void negotiatesGetsOffersAndEchoesThousandsOfPacketsThroughWrappingRings() {
        int[] version = driver.call(g -> new int[] {g.connect(), g.messageConnectionId()});
        assertArrayEquals(new int[] {VmbusVersion.WIN10_V5_3, VmbusVersion.MESSAGE_CONNECTION_ID_V5}, version);
        assertEquals(VmbusVersion.WIN10_V5_3, server.version());
        assertEquals(HvGuest.JAVA_GUEST_OS_ID, hv.guestOsId().raw(), "the host saw the guest's OS id");
        assertTrue(hv.hypercallPage() > 0);

        List<OfferChannel> offers = driver.call(VmbusGuest::requestOffers);
        assertEquals(2, offers.size());
        assertEquals(a.instance(), offers.get(0).interfaceInstance());
        assertEquals(b.instance(), offers.get(1).interfaceInstance());
        assertEquals(EchoDevice.TYPE, offers.get(0).interfaceType());

        long callsBefore = hv.hypercallCount(0);
        GuestChannel ca = driver.call(g -> g.open(offers.get(0), 4, 4)); // 12 KiB of data each way
        assertEquals(ChannelInfo.State.OPEN, info(ca.relid()).state());
        assertEquals(List.of("open"), a.events());
        long bytes = driver.call(g -> echo(ca, new Random(7), 1500));
        ChannelInfo i = info(ca.relid());
        assertEquals(1500, i.packetsIn());
        assertEquals(1500, i.packetsOut());
        assertTrue(i.signalsIn() > 0 && i.signalsIn() == ca.signalsSent(), i + " vs " + ca.signalsSent());
        assertTrue(i.signalsOut() > 0, i.toString());
        assertEquals(12 * 1024, ca.outbound().dataSize());
        assertTrue(bytes > 30L * ca.outbound().dataSize(), "the ring wrapped over 30 times: " + bytes + " bytes");
        assertTrue(hv.hypercallCount(0) - callsBefore >= ca.signalsSent(), "signals were hypercalls");
        long[] irq = driver.call(g -> new long[] {g.interrupts(), g.synic().messages()});
        // Each echo's signal sets the relid's flag; a flag already set, or a vector already pending, merges.
        assertTrue(irq[0] > 0 && irq[0] <= i.signalsOut() + irq[1], irq[0] + " interrupts for " + i.signalsOut()
                + " host signals and " + irq[1] + " messages");
        assertTrue(a.worker.getName().startsWith("vmbus-channel-"));
    }

    @Test
    void theEchoLandsAtTheGuestPhysicalPagesOfTheRing() {
        GuestChannel ca = driver.call(g -> {
            g.connect();
            return g.open(g.requestOffers().get(0), 2, 2);
        });
        byte[][] raw = driver.call(g -> {
            assertTrue(ca.send(VmPacket.inband(0, 7, new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
            VmPacket r = ca.receive();
            assertNotNull(r);
            long hostToGuestData = ca.pfns()[3] * Gpadl.PAGE_SIZE;
            return new byte[][] {g.hv().memory().read(hostToGuestData, 24),
                    g.hv().memory().read(ca.ringHeaderGpa(false), 8), g.hv().memory().read(ca.ringHeaderGpa(true), 8)};
        });
        assertEquals(VmPacketType.COMPLETION, raw[0][0] & 0xFF);
        assertEquals(1 ^ 0x5A, raw[0][16]);
        assertEquals(8 ^ 0x5A, raw[0][23]);
        assertEquals(32, raw[1][0], "host-to-guest write_index");
        assertEquals(32, raw[1][4], "host-to-guest read_index, published by the guest");
        assertEquals(32, raw[2][0], "guest-to-host write_index");
        assertEquals(32, raw[2][4], "guest-to-host read_index, published by the host");
    }

    @Test
    void queuedOffersComeThroughTheSlotByThePendingAndEomProtocol() {
        for (int i = 0; i < 5; i++) {
            server.offer(new EchoDevice());
        }
        long[] r = driver.call(g -> {
            g.connect();
            long eomsBefore = g.synic().eoms();
            int n = g.requestOffers().size();
            return new long[] {n, g.synic().eoms() - eomsBefore};
        });
        // REQUESTOFFERS is answered inside the hypercall: 7 offers and ALLOFFERS_DELIVERED into one slot.
        assertEquals(7, r[0]);
        assertTrue(r[1] >= 7, "every message after the first was pending: " + r[1] + " EOMs");
        assertEquals(0, ((HvPartitionImpl) hv).queued(0, VmbusGuest.VMBUS_SINT));
    }

    @Test
    void theHostWaitsForSpaceInTheGuestsRingAndTheGuestForSpaceInTheHosts() {
        GuestChannel ca = driver.call(g -> {
            g.connect();
            return g.open(g.requestOffers().get(0), 2, 2); // 4 KiB data: one 3,000-byte packet at a time
        });
        long[] waits = driver.call(g -> {
            assertTrue(ca.send(VmPacket.inband(0, 1, new byte[] {'F', (byte) 200, 0, 0, 0, 0, 0, 0})));
            for (int i = 0; i < 200; i++) {
                VmPacket p = ca.receive();
                assertNotNull(p, "flood packet " + i);
                byte[] d = p.data();
                assertEquals(i, (d[0] & 0xFF) | (d[1] & 0xFF) << 8, "in order");
                assertEquals((byte) ~i, d[EchoDevice.FLOOD_PACKET - 1]);
            }
            // The other way: 1,000 packets of 1,000 bytes into 4 KiB, faster than the host's worker takes them.
            byte[] d = new byte[1000];
            d[0] = 'S';
            for (int i = 0; i < 1000; i++) {
                assertTrue(ca.send(VmPacket.inband(0, i, d)), "space for packet " + i);
            }
            return new long[] {ca.spaceSignals(), ca.spaceWaits()};
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (a.sunk.get() < 1000 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1000, a.sunk.get());
        assertEquals(200, info(ca.relid()).packetsOut(), "the flood, nothing for the sunk packets");
        assertEquals(1001, info(ca.relid()).packetsIn());
        assertTrue(waits[0] > 0, "the host asked for space and the guest's reads signalled it");
        assertTrue(waits[1] > 0, "the guest found its ring full and waited for the host's signal");
    }

    @Test
    void closeReopenRescindAndUnload() {
        List<OfferChannel> offers = driver.call(g -> {
            g.connect();
            return g.requestOffers();
        });
        GuestChannel ca = driver.call(g -> g.open(offers.get(0), 2, 2));
        GuestChannel cb = driver.call(g -> g.open(offers.get(1), 3, 2));
        driver.call(g -> {
            echo(ca, new Random(1), 20);
            ca.close();
            return null;
        });
        assertEquals(List.of("open", "close"), a.events(), "CLOSECHANNEL closed the device after its worker");
        assertEquals(ChannelInfo.State.OFFERED, info(ca.relid()).state());
        GuestChannel again = driver.call(g -> {
            ca.teardown();
            GuestChannel c = g.open(offers.get(0), 3, 3);
            echo(c, new Random(2), 50);
            return c;
        });
        assertEquals(List.of("open", "close", "open"), a.events());

        // Rescind from the host: the guest sees RESCINDCHANNELOFFER, tears down, releases the relid.
        assertTrue(server.rescind(a));
        int rescinded = driver.call(g -> {
            int relid = g.await(ChannelMessage.RescindChannelOffer.class).childRelid();
            again.teardown();
            g.releaseRelid(relid);
            echo(cb, new Random(3), 30); // the other channel is untouched
            return relid;
        });
        assertEquals(again.relid(), rescinded);
        assertNull(info(rescinded), "forgotten after RELID_RELEASED");

        // Unload: everything closes; a new contact gets the remaining offer and its channel works again.
        driver.call(g -> {
            g.unload();
            return null;
        });
        assertEquals(0, server.version());
        assertEquals(List.of("open", "close"), b.events());
        assertTrue(server.channels().stream().allMatch(c -> c.state() == ChannelInfo.State.PENDING));
        driver.call(g -> {
            assertEquals(VmbusVersion.WIN10_V5_3, g.connect());
            List<OfferChannel> now = g.requestOffers();
            assertEquals(1, now.size());
            assertEquals(b.instance(), now.get(0).interfaceInstance());
            echo(g.open(now.get(0), 2, 2), new Random(4), 20);
            return null;
        });
    }

    @Test
    void stoppingThePartitionReleasesTheGuestThreadTheChannelWorkersAndTheRam() throws InterruptedException {
        driver.call(g -> {
            g.connect();
            GuestChannel c = g.open(g.requestOffers().get(0), 2, 2);
            echo(c, new Random(5), 10);
            return null;
        });
        assertEquals(1, threads("celadon-" + name + "-loopback-vp"));
        assertTrue(threads("vmbus-channel-") >= 1);
        partition.stop();
        assertEquals(PartitionState.STOPPED, partition.state());
        assertEquals(0, threads("celadon-" + name + "-loopback-vp"));
        assertEquals(0, threads("vmbus-channel-"));
        assertThrows(GuestMemoryException.class, () -> partition.memory().readU32(0));
        assertFalse(new HyperVService().of(partition).isPresent());
    }
}
