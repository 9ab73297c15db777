package dev.celadon.vmbus.server;

import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.VmPacket;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** A VSP that answers every packet with a completion carrying the same transaction id and every data byte XORed with 0x5A. */
final class EchoDevice implements VmbusDevice {
    static final Guid TYPE = Guid.parse("5a1e0c40-2bd4-4a39-9f0c-6b3f0e3a7a11");
    private final Guid instance = new Guid(UUID.randomUUID());
    volatile Channel channel;
    volatile Thread worker;
    final List<String> events = new ArrayList<>();

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
        this.channel = channel;
        events.add("open");
    }

    @Override
    public void packet(Channel channel, VmPacket packet) {
        worker = Thread.currentThread();
        byte[] d = packet.data();
        byte[] r = new byte[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = (byte) (d[i] ^ 0x5A);
        }
        if (!channel.send(VmPacket.completion(packet.transactionId(), r), 2000)) {
            throw new IllegalStateException("echo: no space in the outbound ring");
        }
    }

    @Override
    public synchronized void close() {
        events.add("close");
        channel = null;
    }

    synchronized List<String> events() {
        return new ArrayList<>(events);
    }
}
