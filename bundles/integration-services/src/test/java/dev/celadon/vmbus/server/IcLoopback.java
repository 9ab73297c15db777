package dev.celadon.vmbus.server;

import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.test.support.DirectGuestMemory;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmbusVersion;
import java.util.List;

/**
 * The IC tests' view of vmbus-server's loopback guest (package-private there): a partition whose SynIC is queues,
 * RAM in direct buffers, the real VMBus server, and a Java guest that speaks the control protocol and the rings as
 * Linux does. The test plays hv_utils on the open channels.
 */
public final class IcLoopback implements AutoCloseable {
    public final DirectGuestMemory memory;
    public final VmbusServer server;
    private final VmbusClient client;
    private List<OfferChannel> offers;

    public IcLoopback() {
        LoopbackPartition partition = new LoopbackPartition(1);
        memory = new DirectGuestMemory(List.of(new MemoryRegion(0, 16 << 20)), (byte) 0xCC);
        server = VmbusServer.create(partition, memory, 1);
        client = new VmbusClient(partition, memory, 0x20);
    }

    public void connect() throws InterruptedException {
        if (client.negotiate(VmbusVersion.LINUX_6_1_PROPOSALS) != VmbusVersion.WIN10_V5_3) {
            throw new AssertionError("VMBus 5.3 not accepted");
        }
        offers = client.requestOffers();
    }

    /** Opens {@code device}'s channel with hv_utils' rings (4 pages each way, the header page included). */
    public Guest open(VmbusDevice device) throws InterruptedException {
        OfferChannel offer = offers.stream().filter(o -> o.interfaceInstance().equals(device.instance()))
                .findFirst().orElseThrow(() -> new AssertionError("no offer for " + device.instance()));
        VmbusClient.GuestChannel ch = client.open(offer, 4, 4);
        if (ch == null) {
            throw new AssertionError("OPEN refused for " + device);
        }
        return new Guest(ch);
    }

    public ChannelInfo info(int relid) {
        return server.channels().stream().filter(c -> c.relid() == relid).findFirst().orElse(null);
    }

    @Override
    public void close() {
        server.close();
    }

    /** One open channel, the guest's end. */
    public final class Guest {
        private final VmbusClient.GuestChannel ch;

        Guest(VmbusClient.GuestChannel ch) {
            this.ch = ch;
        }

        public int relid() {
            return ch.relid();
        }

        public void send(VmPacket p) {
            ch.send(p);
        }

        public VmPacket receive(long millis) throws InterruptedException {
            return ch.receive(millis);
        }

        public void close() throws InterruptedException {
            ch.close();
        }

        public ChannelInfo info() {
            return IcLoopback.this.info(relid());
        }
    }
}
