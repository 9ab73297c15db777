package dev.celadon.vmbus.server;

import dev.celadon.test.support.DirectGuestMemory;

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

/** A server over a loopback partition with two echo devices offered, and the Java guest. */
abstract class LoopbackFixture {
    static final long RAM = 16 << 20;
    LoopbackPartition partition;
    DirectGuestMemory memory;
    VmbusServer server;
    VmbusClient guest;
    EchoDevice a;
    EchoDevice b;

    @BeforeEach
    void setUp() {
        partition = new LoopbackPartition(2);
        memory = new DirectGuestMemory(List.of(new MemoryRegion(0, RAM)), (byte) 0xCC);
        server = VmbusServer.create(partition, memory, 2);
        guest = new VmbusClient(partition, memory, 0x20);
        a = new EchoDevice();
        b = new EchoDevice();
        server.offer(a);
        server.offer(b);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    static void echo(VmbusClient.GuestChannel ch, Random rnd, int count) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            byte[] d = new byte[rnd.nextInt(600)];
            rnd.nextBytes(d);
            long id = rnd.nextLong();
            ch.send(VmPacket.inband(VmPacketType.FLAG_COMPLETION_REQUESTED, id, d));
            VmPacket r = ch.receive(VmbusClient.TIMEOUT_MS);
            assertNotNull(r, "no echo for packet " + i + " on channel " + ch.relid());
            assertEquals(VmPacketType.COMPLETION, r.type());
            assertEquals(id, r.transactionId());
            byte[] got = r.data();
            assertEquals(VmPacket.align8(d.length), got.length);
            for (int j = 0; j < d.length; j++) {
                assertEquals((byte) (d[j] ^ 0x5A), got[j], "byte " + j + " of packet " + i);
            }
        }
    }

    List<OfferChannel> connect() throws InterruptedException {
        assertEquals(VmbusVersion.WIN10_V5_3, guest.negotiate(VmbusVersion.LINUX_6_1_PROPOSALS));
        return guest.requestOffers();
    }

    ChannelInfo info(int relid) {
        return server.channels().stream().filter(c -> c.relid() == relid).findFirst().orElse(null);
    }

}
