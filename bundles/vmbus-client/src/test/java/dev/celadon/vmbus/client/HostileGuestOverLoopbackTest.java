package dev.celadon.vmbus.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.hyperv.HypercallControl;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.VmbusVersion;
import dev.celadon.vmbus.ring.RingBuffer;
import dev.celadon.vmbus.server.ChannelInfo;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A guest that breaks the rules, through the real hypercall path: the core's dispatcher answers bad
 * HvPostMessage/HvSignalEvent calls with TLFS status codes before the VMBus server sees them, the server refuses
 * GPADLs naming pages outside the partition and closes a channel whose ring the guest corrupted; after each, the
 * bus still works.
 */
class HostileGuestOverLoopbackTest extends LoopbackVmbusFixture {
    static final int STATUS_UNSUCCESSFUL = 0xC0000001;

    @Test
    void badHvPostMessageAndSignalEventCallsGetTlfsStatuses() {
        int[] s = driver.call(g -> {
            HvGuest hv = g.hv();
            long in = hv.inputPage();
            int id = VmbusVersion.MESSAGE_CONNECTION_ID_V5;
            byte[] contact = ChannelMessage.InitiateContact.v5(VmbusVersion.WIN10_V5_3, 0, 2, 0, 0).encode();
            int tooLong = hv.postMessage(id, 1, new byte[241]);
            int typeNone = hv.postMessage(id, 0, contact);
            int hypervisorType = hv.postMessage(id, 0x8000_0001, contact);
            int unknownId = hv.postMessage(0x77, 1, contact);
            int reservedIdBits = hv.postMessage(id | 0x0100_0000, 1, contact);
            // The block as it is now in the input page, from places it may not be:
            int misaligned = HvGuest.status(hv.hypercall(HvGuest.HVCALL_POST_MESSAGE, in + 4, 0));
            long last = in + 4096 - 16; // a valid header in the page's last 16 bytes, announcing 40 bytes beyond it
            g.hv().memory().writeU32(last, id);
            g.hv().memory().writeU32(last + 4, 0);
            g.hv().memory().writeU32(last + 8, 1);
            g.hv().memory().writeU32(last + 12, 40);
            int crossesPage = HvGuest.status(hv.hypercall(HvGuest.HVCALL_POST_MESSAGE, last, 0));
            int outsideRam = HvGuest.status(hv.hypercall(HvGuest.HVCALL_POST_MESSAGE, (long) MIB << 20, 0));
            int fastPost = HvGuest.status(hv.hypercall(HvGuest.HVCALL_POST_MESSAGE | HypercallControl.FAST, in, 0));
            int repCount = HvGuest.status(hv.hypercall(HvGuest.HVCALL_POST_MESSAGE | 1L << 32, in, 0));
            int unknownCode = HvGuest.status(hv.hypercall(0x7FFF, 0, 0));
            int badFlag = HvGuest.status(hv.hypercall(HvGuest.HVCALL_SIGNAL_EVENT | HypercallControl.FAST,
                    id | 2048L << 32, 0));
            // HV_X64_MSR_GUEST_OS_ID = 0 disables the hypercall page: calls are refused until it is enabled again.
            g.vp().wrmsr(HvGuest.HV_X64_MSR_GUEST_OS_ID, 0);
            int disabled = hv.postMessage(id, 1, contact);
            g.vp().wrmsr(HvGuest.HV_X64_MSR_GUEST_OS_ID, HvGuest.JAVA_GUEST_OS_ID);
            g.vp().wrmsr(HvGuest.HV_X64_MSR_HYPERCALL, hv.hypercallPage() | 1);
            return new int[] {tooLong, typeNone, hypervisorType, unknownId, reservedIdBits, misaligned, crossesPage,
                    outsideRam, fastPost, repCount, unknownCode, badFlag, disabled};
        });
        assertArrayEquals(new int[] {HvStatus.INVALID_PARAMETER, HvStatus.INVALID_PARAMETER,
                HvStatus.INVALID_PARAMETER, HvStatus.INVALID_CONNECTION_ID, HvStatus.INVALID_PARAMETER,
                HvStatus.INVALID_ALIGNMENT, HvStatus.INVALID_ALIGNMENT, HvStatus.INVALID_PARAMETER,
                HvStatus.INVALID_HYPERCALL_INPUT, HvStatus.INVALID_HYPERCALL_INPUT, HvStatus.INVALID_HYPERCALL_CODE,
                HvStatus.INVALID_PARAMETER, HvStatus.ACCESS_DENIED}, s);
        assertEquals(0, server.version(), "none of them reached the server");
        // The same processor, the same pages: a well-formed contact now works.
        assertEquals(VmbusVersion.WIN10_V5_3, (int) driver.call(VmbusGuest::connect));
        assertEquals(2, driver.call(VmbusGuest::requestOffers).size());
    }

    @Test
    void aGpadlNamingPagesOutsideThePartitionIsRefusedAndTheChannelStillOpens() {
        List<OfferChannel> offers = driver.call(g -> {
            g.connect();
            return g.requestOffers();
        });
        int relid = offers.get(0).childRelid();
        long top = ((long) MIB << 20) / 4096;
        int[] statuses = driver.call(g -> {
            long[] mine = g.pages().allocate(3);
            int beyondRam = g.createGpadl(relid, g.newGpadlHandle(), new long[] {mine[0], top, mine[1]}).status();
            int hugePfn = g.createGpadl(relid, g.newGpadlHandle(), new long[] {mine[2], 0xF_FFFF_FFFFL}).status();
            // 40 pages: the header carries 26, a body the rest; one page in the body is beyond RAM.
            long[] many = g.pages().allocate(40);
            many[33] = top + 5;
            int inBody = g.createGpadl(relid, g.newGpadlHandle(), many).status();
            return new int[] {beyondRam, hugePfn, inBody};
        });
        assertArrayEquals(new int[] {STATUS_UNSUCCESSFUL, STATUS_UNSUCCESSFUL, STATUS_UNSUCCESSFUL}, statuses);
        assertEquals(0, info(relid).gpadls());
        assertTrue(server.violations().size() >= 3, server.violations().toString());
        // OPENCHANNEL over the refused GPADL's handle: refused too, no channel.
        assertNull(driver.call(g -> {
            int handle = g.newGpadlHandle();
            long[] bad = {top, top + 1, top + 2, top + 3};
            assertEquals(STATUS_UNSUCCESSFUL, g.createGpadl(relid, handle, bad).status());
            return g.openOver(offers.get(0), handle, g.pages().allocate(4), 2);
        }));
        assertEquals(ChannelInfo.State.OFFERED, info(relid).state());
        long echoed = driver.call(g -> echo(g.open(offers.get(0), 2, 2), new Random(9), 100));
        assertTrue(echoed > 0);
    }

    @Test
    void aCorruptedRingClosesOnlyThatChannelAndItOpensAgainAfterClose() {
        List<OfferChannel> offers = driver.call(g -> {
            g.connect();
            return g.requestOffers();
        });
        GuestChannel ca = driver.call(g -> g.open(offers.get(0), 2, 2));
        GuestChannel cb = driver.call(g -> g.open(offers.get(1), 2, 2));
        driver.call(g -> {
            echo(ca, new Random(1), 5);
            // write_index beyond the data area, written straight into the shared header, then a signal
            g.hv().memory().writeU32(ca.ringHeaderGpa(true) + RingBuffer.WRITE_INDEX, 0xFFFF_FFF8);
            HvGuest.check(g.hv().signalEvent(ca.connectionId(), 0), "signal");
            return null;
        });
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (info(ca.relid()).state() != ChannelInfo.State.FAILED && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        ChannelInfo failed = info(ca.relid());
        assertEquals(ChannelInfo.State.FAILED, failed.state());
        assertNotNull(failed.closeReason());
        assertTrue(failed.closeReason().contains("write_index"), failed.closeReason());
        driver.call(g -> {
            echo(cb, new Random(2), 50); // the other channel is untouched
            ca.close();
            ca.teardown();
            echo(g.open(offers.get(0), 2, 2), new Random(3), 50);
            return null;
        });
        assertEquals(List.of("open", "close", "open"), a.events());
    }

    @Test
    void junkOnTheMessageConnectionIsIgnoredAndTheBusGoesOn() {
        driver.call(g -> {
            g.connect();
            Random rnd = new Random(4);
            for (int i = 0; i < 2000; i++) {
                byte[] junk = new byte[rnd.nextInt(241)];
                rnd.nextBytes(junk);
                if (junk.length >= 4 && rnd.nextBoolean()) {
                    junk[0] = (byte) rnd.nextInt(24); // a plausible message type, the rest random
                    junk[1] = junk[2] = junk[3] = 0;
                }
                if (junk.length >= 4 && (junk[0] == 0x0E || junk[0] == 0x10)) {
                    junk[0] = 0x15; // not INITIATE_CONTACT or UNLOAD: those would restart the bus, legitimately
                }
                int s = g.postRaw(g.messageConnectionId(), junk);
                assertEquals(HvStatus.SUCCESS, s, "HvPostMessage of a well-formed call succeeds whatever the bytes");
            }
            while (g.next(ms(100)) != null) {
                // answers to whatever the junk happened to be (offers for a REQUESTOFFERS, refusals...)
            }
            assertEquals(List.of(), g.dropped(), "every host answer was a well-formed message");
            // Whatever state the junk left (offers taken, GPADLs refused), UNLOAD and a new contact start over.
            g.unload();
            assertEquals(VmbusVersion.WIN10_V5_3, g.connect());
            return null;
        });
        List<OfferChannel> offers = driver.call(VmbusGuest::requestOffers);
        assertEquals(2, offers.size());
        driver.call(g -> echo(g.open(offers.get(1), 2, 2), new Random(5), 100));
    }
}
