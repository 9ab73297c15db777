package dev.celadon.vmbus.server;

import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.storvsc.VscChannel;
import dev.celadon.test.support.DirectGuestMemory;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmbusVersion;

import java.util.List;

/**
 * The storage tests' view of vmbus-server's loopback guest (whose classes are package-private): a partition
 * with its SynIC replaced by queues, RAM in direct buffers, the VMBus server, and {@link VmbusClient} speaking
 * the control protocol and the rings as Linux does. {@link Guest} adapts one open channel to {@link VscChannel}.
 */
public final class GuestLoopback implements AutoCloseable {
    public final DirectGuestMemory memory;
    public final VmbusServer server;
    private final LoopbackPartition partition;
    private final VmbusClient client;
    private List<OfferChannel> offers;

    public GuestLoopback(long ramBytes) {
        partition = new LoopbackPartition(2);
        memory = new DirectGuestMemory(List.of(new MemoryRegion(0, ramBytes)), (byte) 0xCC);
        server = VmbusServer.create(partition, memory, 2);
        client = new VmbusClient(partition, memory, 0x20);
    }

    /** Contact (Linux's version proposals) and the offers. */
    public void connect() throws InterruptedException {
        if (client.negotiate(VmbusVersion.LINUX_6_1_PROPOSALS) != VmbusVersion.WIN10_V5_3) {
            throw new AssertionError("VMBus 5.3 not accepted");
        }
        offers = client.requestOffers();
    }

    /** {@code n} fresh guest pages (descending page numbers, so never contiguous). */
    public long[] pages(int n) {
        return client.pages(n);
    }

    /** Opens the channel of {@code device} with rings of {@code ringPages} pages each way (header included). */
    public Guest open(VmbusDevice device, int ringPages) throws InterruptedException {
        OfferChannel offer = offers.stream().filter(o -> o.interfaceInstance().equals(device.instance()))
                .findFirst().orElseThrow(() -> new AssertionError("no offer for " + device.instance()));
        VmbusClient.GuestChannel ch = client.open(offer, ringPages, ringPages);
        if (ch == null) {
            throw new AssertionError("OPEN refused for " + device.instance());
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

    /** One open guest channel. */
    public final class Guest implements VscChannel {
        private VmbusClient.GuestChannel ch;

        Guest(VmbusClient.GuestChannel ch) {
            this.ch = ch;
        }

        public int relid() {
            return ch.relid();
        }

        @Override
        public void send(VmPacket packet) {
            try {
                ch.send(packet);
            } catch (AssertionError e) {
                throw new IllegalStateException(e.getMessage());
            }
        }

        @Override
        public VmPacket receive(long timeoutMillis) throws InterruptedException {
            return ch.receive(timeoutMillis);
        }

        public ChannelInfo.State state() {
            return info(relid()).state();
        }

        public String closeReason() {
            return info(relid()).closeReason();
        }

        /** CLOSE and OPEN again over the same GPADL, rings re-initialised: a new storvsc session. */
        public void reopen() throws InterruptedException {
            ch.close();
            VmbusClient.GuestChannel again = client.openOver(ch.offer, ch.handle, ch.pfns, ch.sendPages);
            if (again == null) {
                throw new AssertionError("re-OPEN refused");
            }
            ch = again;
        }
    }
}
