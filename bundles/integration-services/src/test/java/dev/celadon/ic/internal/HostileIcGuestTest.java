package dev.celadon.ic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.ic.HeartbeatStatus;
import dev.celadon.ic.IcException;
import dev.celadon.ic.ServiceStatus;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketType;
import dev.celadon.vmbus.server.ChannelInfo;
import dev.celadon.vmbus.server.IcLoopback;
import dev.celadon.vmbus.server.provider.ProvidedDevice;
import dev.celadon.vmbus.server.provider.ServiceRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The IC services over the real VMBus server, with the test playing the guest's hv_utils over the rings: first as
 * Linux 6.1 answers (in place, flags 5), then as a hostile guest (truncated, oversized, unsolicited, mistyped
 * answers, wrong sequence numbers, versions never offered, random bytes). Each bad answer is ignored with a reason
 * (or the channel closed, for a negotiation that breaks the rules) and never throws into the host: the services keep
 * working for the good answers that follow.
 */
class HostileIcGuestTest {
    static final long WAIT = 5000;
    IntegrationServicesComponent ic;
    IcLoopback bus;
    Map<String, ProvidedDevice> devices;

    @BeforeEach
    void setUp() throws Exception {
        ic = new IntegrationServicesComponent(50, 200);
        bus = new IcLoopback();
        devices = ic.open(new ServiceRequest("vm1", bus.memory, List.of("hv-timing")));
        devices.values().forEach(d -> bus.server.offer(d.device()));
        bus.connect();
    }

    @AfterEach
    void tearDown() {
        bus.close();
        devices.values().forEach(ProvidedDevice::close);
    }

    IcService service(String label) {
        return (IcService) devices.get(label).device();
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** hv_utils' answer to {@code p}, in place: NEGOTIATE picks 3.0/3.0, HEARTBEAT adds one, all get flags 5. */
    static VmPacket linuxAnswer(VmPacket p) {
        byte[] b = p.data().clone();
        int type = le(b).getShort(12);
        if (type == IcMessageHeader.TYPE_NEGOTIATE) {
            le(b).putShort(18, (short) 0x10).putShort(28, (short) 1).putShort(30, (short) 1)
                    .putInt(36, 3).putInt(40, 3); // {3, 0} twice
        } else if (type == IcMessageHeader.TYPE_HEARTBEAT) {
            le(b).putLong(28, le(b).getLong(28) + 1);
        }
        b[25] = 5;
        return VmPacket.inband(0, p.transactionId(), b);
    }

    static VmPacket expect(IcLoopback.Guest g, int type) throws InterruptedException {
        VmPacket p = g.receive(WAIT);
        assertNotNull(p, "no " + IcMessageHeader.typeName(type) + " from the host");
        assertEquals(VmPacketType.DATA_INBAND, p.type());
        assertEquals(type, le(p.data()).getShort(12), "type");
        assertEquals(3, p.data()[25], "TRANSACTION | REQUEST");
        return p;
    }

    static void await(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Opens {@code label}'s channel and answers its NEGOTIATE as Linux 6.1. */
    IcLoopback.Guest openAndNegotiate(String label) throws InterruptedException {
        IcLoopback.Guest g = bus.open(service(label));
        VmPacket n = expect(g, IcMessageHeader.TYPE_NEGOTIATE);
        ByteBuffer b = le(n.data());
        assertEquals(2, b.getShort(28), "two framework versions offered");
        assertEquals(2, b.getShort(30), "two message versions offered");
        g.send(linuxAnswer(n));
        await(() -> service(label).state() == ServiceStatus.State.READY, label + " ready");
        return g;
    }

    @Test
    void aLinuxLikeGuestGetsHeartbeatsSyncAndShutdown() throws Exception {
        IcLoopback.Guest hb = openAndNegotiate("heartbeat");
        for (int i = 0; i < 3; i++) {
            hb.send(linuxAnswer(expect(hb, IcMessageHeader.TYPE_HEARTBEAT)));
        }
        await(() -> ic.heartbeat("vm1").orElseThrow().answers() == 3, "three answers");
        HeartbeatStatus h = ic.heartbeat("vm1").orElseThrow();
        assertTrue(h.alive());
        assertEquals(3, h.sequence(), "0 -> 1 -> 2 -> 3: each request carries the last answer");
        assertTrue(devices.get("heartbeat").description().startsWith("heartbeat IC 3.0: ok (last seen "),
                devices.get("heartbeat").description());

        IcLoopback.Guest ts = openAndNegotiate("timesync");
        VmPacket sync = expect(ts, IcMessageHeader.TYPE_TIMESYNC);
        assertEquals(TimeSyncMessage.FLAG_SYNC, sync.data()[TimeSyncMessage.FLAGS_V3], "the first sample syncs");
        long hostNow = TimeSyncMessage.hostTime(java.time.Instant.now());
        long sent = le(sync.data()).getLong(28);
        assertTrue(Math.abs(hostNow - sent) < 50_000_000L, "host time within 5 s: " + sent + " vs " + hostNow);
        ts.send(linuxAnswer(sync));
        await(() -> ic.timeSynced("vm1"), "sync answered");
        VmPacket sample = expect(ts, IcMessageHeader.TYPE_TIMESYNC);
        assertEquals(TimeSyncMessage.FLAG_SAMPLE, sample.data()[TimeSyncMessage.FLAGS_V3]);

        IcLoopback.Guest sd = openAndNegotiate("shutdown");
        CompletableFuture<Void> request = CompletableFuture.runAsync(() -> ic.requestShutdown("vm1", WAIT));
        VmPacket s = expect(sd, IcMessageHeader.TYPE_SHUTDOWN);
        assertEquals(2088, s.data().length);
        assertEquals(ShutdownMessage.FLAG_POWER_OFF, le(s.data()).getInt(36));
        sd.send(linuxAnswer(s));
        request.get();
        assertEquals(List.of(), ic.ignored("vm1"));
    }

    @Test
    void badAnswersAreIgnoredWithAReasonAndGoodOnesStillCount() throws Exception {
        IcLoopback.Guest hb = openAndNegotiate("heartbeat");
        VmPacket req = expect(hb, IcMessageHeader.TYPE_HEARTBEAT);
        long tid = req.transactionId();
        hb.send(VmPacket.inband(0, tid, new byte[16])); // truncated: no IC header
        hb.send(VmPacket.inband(0, tid, java.util.Arrays.copyOf(linuxAnswer(req).data(), 5000))); // oversized
        hb.send(VmPacket.inband(0, tid + 1000, linuxAnswer(req).data())); // unsolicited transaction
        hb.send(VmPacket.completion(tid, linuxAnswer(req).data())); // not inband
        byte[] notResponse = linuxAnswer(req).data();
        notResponse[25] = 3;
        hb.send(VmPacket.inband(0, tid, notResponse));
        byte[] wrongType = linuxAnswer(req).data();
        le(wrongType).putShort(12, (short) IcMessageHeader.TYPE_SHUTDOWN);
        hb.send(VmPacket.inband(0, tid, wrongType));
        byte[] wrongTx = linuxAnswer(req).data();
        wrongTx[24]++;
        hb.send(VmPacket.inband(0, tid, wrongTx));
        byte[] badSeq = linuxAnswer(req).data();
        le(badSeq).putLong(28, 99);
        hb.send(VmPacket.inband(0, tid, badSeq));
        await(() -> ic.ignored("vm1").size() >= 8, "eight bad answers recorded");
        List<String> why = ic.ignored("vm1");
        assertEquals(0, ic.heartbeat("vm1").orElseThrow().answers(), why.toString());
        String all = String.join("\n", why);
        for (String reason : List.of("shorter than its 28-byte header", "longer than the 4096",
                "matches no request", "(IC answers are inband data)", "lack ICMSGHDRFLAG_RESPONSE",
                "answer of type SHUTDOWN to a HEARTBEAT request", "ictransaction_id", "(1 expected)")) {
            assertTrue(all.contains(reason), "'" + reason + "' in:\n" + all);
        }
        // The bad sequence number used up that request; a good answer to the newest one counts.
        hb.send(linuxAnswer(latest(hb)));
        await(() -> ic.heartbeat("vm1").orElseThrow().answers() == 1, "the good answer counts");
        assertEquals(ChannelInfo.State.OPEN, hb.info().state(), "ignored, not closed");
        assertTrue(devices.get("heartbeat").description().contains("bad packets ignored"),
                devices.get("heartbeat").description());
    }

    /** The newest request the host has sent (older ones may have been given up: at most 16 wait). */
    static VmPacket latest(IcLoopback.Guest g) throws InterruptedException {
        VmPacket last = expect(g, IcMessageHeader.TYPE_HEARTBEAT);
        for (VmPacket p; (p = g.receive(20)) != null; ) {
            last = p;
        }
        return last;
    }

    /** Sends, waiting for ring space as Linux would (the host's worker drains it). */
    static void sendWaiting(IcLoopback.Guest g, VmPacket p) throws InterruptedException {
        for (int i = 0; ; i++) {
            try {
                g.send(p);
                return;
            } catch (AssertionError full) {
                if (i > 1000) {
                    throw full;
                }
                Thread.sleep(2);
            }
        }
    }

    @Test
    void aVersionNeverOfferedClosesTheChannelAndNoCommonVersionFailsTheService() throws Exception {
        IcLoopback.Guest hb = bus.open(service("heartbeat"));
        VmPacket n = expect(hb, IcMessageHeader.TYPE_NEGOTIATE);
        byte[] b = linuxAnswer(n).data();
        le(b).putInt(40, 9 | 9 << 16);
        hb.send(VmPacket.inband(0, n.transactionId(), b));
        await(() -> hb.info().state() == ChannelInfo.State.FAILED, "channel closed");
        assertTrue(hb.info().closeReason().contains("9.9"), hb.info().closeReason());
        await(() -> service("heartbeat").state() == ServiceStatus.State.CLOSED, "service closed with its channel");

        IcLoopback.Guest sd = bus.open(service("shutdown"));
        VmPacket sn = expect(sd, IcMessageHeader.TYPE_NEGOTIATE);
        byte[] none = linuxAnswer(sn).data();
        le(none).putShort(28, (short) 0).putShort(30, (short) 0);
        sd.send(VmPacket.inband(0, sn.transactionId(), none));
        await(() -> service("shutdown").state() == ServiceStatus.State.FAILED, "no common version");
        IcException e = assertThrows(IcException.class, () -> ic.requestShutdown("vm1", 100));
        assertTrue(e.getMessage().contains("no common version"), e.getMessage());
        assertEquals(ChannelInfo.State.OPEN, sd.info().state(), "a guest without our versions is not a violation");
    }

    @Test
    void shutdownSaysWhyItCannotBeDone() throws Exception {
        IcException notOpen = assertThrows(IcException.class, () -> ic.requestShutdown("vm1", 100));
        assertTrue(notOpen.getMessage().contains("has not opened the shutdown channel"), notOpen.getMessage());
        assertTrue(assertThrows(IcException.class, () -> ic.requestShutdown("other", 100)).getMessage()
                .contains("VM other has no integration services"));

        IcLoopback.Guest sd = openAndNegotiate("shutdown");
        CompletableFuture<Void> refused = CompletableFuture.runAsync(() -> ic.requestShutdown("vm1", WAIT));
        VmPacket s = expect(sd, IcMessageHeader.TYPE_SHUTDOWN);
        byte[] fail = linuxAnswer(s).data();
        le(fail).putInt(20, IcMessageHeader.HV_E_FAIL);
        sd.send(VmPacket.inband(0, s.transactionId(), fail));
        Throwable t = assertThrows(java.util.concurrent.ExecutionException.class, refused::get).getCause();
        assertTrue(t.getMessage().contains("refused the shutdown request (status 0x80004005)"), t.getMessage());

        IcException silent = assertThrows(IcException.class, () -> ic.requestShutdown("vm1", 200));
        assertTrue(silent.getMessage().contains("did not acknowledge the shutdown request within 200 ms"),
                silent.getMessage());
    }

    @Test
    void randomBytesNeverThrowIntoTheHost() throws Exception {
        IcLoopback.Guest hb = openAndNegotiate("heartbeat");
        Random rnd = new Random(20261202);
        for (int i = 0; i < 300; i++) {
            byte[] d = new byte[rnd.nextInt(200)];
            rnd.nextBytes(d);
            if (d.length > 26 && rnd.nextBoolean()) {
                d[25] = 5; // past the flags check more often
                le(d).putShort(12, (short) IcMessageHeader.TYPE_HEARTBEAT);
            }
            sendWaiting(hb, VmPacket.inband(0, rnd.nextInt(40), d));
            while (hb.receive(0) != null) {
                // drain the host's heartbeats so the ring never fills
            }
        }
        await(() -> ic.ignored("vm1").size() >= 60, "bad packets recorded");
        assertEquals(ChannelInfo.State.OPEN, hb.info().state());
        VmPacket req = latest(hb);
        long before = ic.heartbeat("vm1").orElseThrow().answers();
        hb.send(linuxAnswer(req));
        await(() -> ic.heartbeat("vm1").orElseThrow().answers() == before + 1, "still answered after the noise");
    }

    @Test
    void withoutTimeRefCountTimeSyncIsNotOffered() throws Exception {
        Map<String, ProvidedDevice> bare = ic.open(new ServiceRequest("vm2", bus.memory, List.of()));
        assertEquals(List.of("shutdown", "heartbeat"), List.copyOf(bare.keySet()));
        ServiceStatus ts = ic.services("vm2").get(2);
        assertEquals(ServiceStatus.State.UNAVAILABLE, ts.state());
        assertTrue(ts.detail().contains("TIME_REF_COUNT"), ts.detail());
        bare.values().forEach(ProvidedDevice::close);
        assertEquals(List.of(), ic.services("vm2"), "closing the run's devices forgets it");
    }

    @Test
    void theRunsOneThreadEndsWhenItsDevicesAreClosed() throws Exception {
        openAndNegotiate("heartbeat");
        assertEquals(1, threads("ic-vm1"), "one IC thread per VM run");
        bus.close(); // as management does: the server first (workers joined), then the devices
        devices.values().forEach(ProvidedDevice::close);
        assertEquals(0, threads("ic-vm1"), "closing the run's devices ends its thread");
        assertEquals(List.of(), ic.services("vm1"));
        assertThrows(IcException.class, () -> ic.requestShutdown("vm1", 100));
    }

    static long threads(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).count();
    }
}
