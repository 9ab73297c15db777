package dev.celadon.storvsc;

import dev.celadon.storage.Lun;
import dev.celadon.storvsp.StorageVsp;
import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.server.GuestLoopback;

import java.util.List;
import java.util.UUID;

/** One storage controller in a loopback: the VSP offered, its channel opened by the guest, a VSC on it. */
final class Controller {
    static final int RING_PAGES = 32; // 128 KiB each way, Linux's storvsc ring
    static final int BUFFER_PAGES = 256; // 1 MiB: the VSP's default max_transfer_bytes

    final StorageVsp vsp;
    final GuestLoopback.Guest channel;
    final StorageVsc vsc;
    final long[] bufferPfns;

    private Controller(StorageVsp vsp, GuestLoopback.Guest channel, StorageVsc vsc, long[] bufferPfns) {
        this.vsp = vsp;
        this.channel = channel;
        this.vsc = vsc;
        this.bufferPfns = bufferPfns;
    }

    static StorageVsp offer(GuestLoopback loop, List<Lun> luns) {
        StorageVsp vsp = new StorageVsp(new Guid(UUID.randomUUID()), luns, loop.memory);
        loop.server.offer(vsp);
        return vsp;
    }

    /** Opens {@code vsp}'s channel (after {@link GuestLoopback#connect}) with a VSC that is not yet initialised. */
    static Controller open(GuestLoopback loop, StorageVsp vsp) throws InterruptedException {
        GuestLoopback.Guest ch = loop.open(vsp, RING_PAGES);
        long[] buf = loop.pages(BUFFER_PAGES);
        return new Controller(vsp, ch, new StorageVsc(ch, loop.memory, buf), buf);
    }
}
