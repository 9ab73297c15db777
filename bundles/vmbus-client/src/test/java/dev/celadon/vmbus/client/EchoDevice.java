package dev.celadon.vmbus.client;

import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.server.Channel;
import dev.celadon.vmbus.server.VmbusDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A VSP for the tests: answers each packet with a completion of the same transaction id and the data XORed with
 * 0x5A. A packet whose first byte is 'F' asks for a flood instead: as many 3,000-byte packets as its second and
 * third bytes say (little-endian), sent back to back, so the host's writer meets a full ring. Packets starting
 * with 'S' are only counted.
 */
final class EchoDevice implements VmbusDevice {
    static final Guid TYPE = Guid.parse("8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501");
    static final int FLOOD_PACKET = 3000;
    private final Guid instance = new Guid(UUID.randomUUID());
    private final List<String> events = new ArrayList<>();
    volatile Thread worker;
    final java.util.concurrent.atomic.AtomicLong sunk = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public Guid interfaceType() {
        return TYPE;
    }

    @Override
    public Guid instance() {
        return instance;
    }

    @Override
    public synchronized void open(Channel channel) {
        events.add("open");
    }

    @Override
    public void packet(Channel channel, VmPacket packet) {
        worker = Thread.currentThread();
        byte[] d = packet.data();
        if (d.length > 0 && d[0] == 'S') {
            sunk.incrementAndGet(); // sink: no answer, so the guest's writer can outrun the host's reader
            return;
        }
        if (d.length == 8 && d[0] == 'F') {
            int n = (d[1] & 0xFF) | (d[2] & 0xFF) << 8;
            for (int i = 0; i < n; i++) {
                byte[] b = new byte[FLOOD_PACKET];
                b[0] = (byte) i;
                b[1] = (byte) (i >> 8);
                b[FLOOD_PACKET - 1] = (byte) ~i;
                if (!channel.send(VmPacket.inband(0, i, b), 5000)) {
                    throw new IllegalStateException("flood: the guest made no space for packet " + i);
                }
            }
            return;
        }
        byte[] r = new byte[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = (byte) (d[i] ^ 0x5A);
        }
        if (!channel.send(VmPacket.completion(packet.transactionId(), r), 5000)) {
            throw new IllegalStateException("echo: no space in the outbound ring");
        }
    }

    @Override
    public synchronized void close() {
        events.add("close");
    }

    synchronized List<String> events() {
        return new ArrayList<>(events);
    }
}
