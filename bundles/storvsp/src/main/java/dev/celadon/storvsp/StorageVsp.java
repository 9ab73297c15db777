package dev.celadon.storvsp;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.storage.Lun;
import dev.celadon.storage.vstor.StorvscGuids;
import dev.celadon.storvsp.internal.ControllerSession;
import dev.celadon.storvsp.internal.EventLog;
import dev.celadon.storvsp.internal.ScsiBus;
import dev.celadon.vmbus.Guid;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.server.Channel;
import dev.celadon.vmbus.server.VmbusDevice;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A synthetic SCSI controller (VMBus interface {@link StorvscGuids#SCSI}) with up to 255 disks, LUNs of target 0
 * on path 0. Offer it to a partition's {@code VmbusServer}; each time the guest opens the channel a fresh
 * storvsc session starts (initialisation, then SRBs). Data moves through the guest pages each request names,
 * checked against {@code memory}. The disks stay the caller's: closing the channel does not close them.
 */
public final class StorageVsp implements VmbusDevice {
    /** What QUERY_PROPERTIES reports by default: Linux then sends at most 1 MiB per request. */
    public static final int DEFAULT_MAX_TRANSFER_BYTES = 1 << 20;
    /** Largest max_transfer_bytes accepted (8 MiB: 2048 page numbers, a 16 KiB packet). */
    public static final int MAX_TRANSFER_LIMIT = 8 << 20;

    private final Guid instance;
    private final List<Lun> luns;
    private final GuestMemory memory;
    private final int maxTransferBytes;
    private final ScsiBus bus;
    private final EventLog log;
    private volatile ControllerSession session;
    /**
     * The bounce buffer of the controller (up to 8 MiB of native memory), made once and lent to each session:
     * a guest that loops CLOSE/OPEN must not make a new one per open, which only GC would free. Null while lent.
     */
    private final AtomicInteger allocations = new AtomicInteger();
    private final AtomicReference<ByteBuffer> staging = new AtomicReference<>();

    public StorageVsp(Guid instance, List<Lun> luns, GuestMemory memory) {
        this(instance, luns, memory, DEFAULT_MAX_TRANSFER_BYTES);
    }

    /**
     * @param maxTransferBytes the largest transfer per SRB, a multiple of 4096 from 4096 to {@link #MAX_TRANSFER_LIMIT}
     * @throws IllegalArgumentException if a LUN number repeats or the transfer size is out of range
     */
    public StorageVsp(Guid instance, List<Lun> luns, GuestMemory memory, int maxTransferBytes) {
        if (maxTransferBytes < 4096 || maxTransferBytes > MAX_TRANSFER_LIMIT || maxTransferBytes % 4096 != 0) {
            throw new IllegalArgumentException("max transfer " + maxTransferBytes + " is not a multiple of 4096 in"
                    + " 4096.." + MAX_TRANSFER_LIMIT);
        }
        this.instance = instance;
        this.luns = List.copyOf(luns);
        this.memory = memory;
        this.maxTransferBytes = maxTransferBytes;
        String id = instance.toString().replace("-", "");
        this.bus = new ScsiBus(this.luns, id, maxTransferBytes);
        this.log = new EventLog(instance.toString());
    }

    @Override
    public Guid interfaceType() {
        return StorvscGuids.SCSI;
    }

    @Override
    public Guid instance() {
        return instance;
    }

    @Override
    public void open(Channel channel) {
        ByteBuffer b = staging.getAndSet(null);
        if (b == null) {
            // First open, or an earlier session's worker has not closed yet (it keeps its buffer until then).
            b = ByteBuffer.allocateDirect(maxTransferBytes);
            allocations.incrementAndGet();
        }
        session = new ControllerSession(channel, memory, bus, maxTransferBytes, log, b);
    }

    @Override
    public void packet(Channel channel, VmPacket packet) {
        ControllerSession s = session;
        if (s == null) {
            throw new IllegalStateException("storvsp: packet on a channel that is not open");
        }
        s.packet(packet);
    }

    @Override
    public void close() {
        ControllerSession s = session;
        session = null;
        if (s != null) {
            staging.set(s.staging());
        }
    }

    /** How many bounce buffers this controller has made (1 in a normal life, however often the guest reopens). */
    public int bufferAllocations() {
        return allocations.get();
    }

    public List<Lun> luns() {
        return luns;
    }

    public int maxTransferBytes() {
        return maxTransferBytes;
    }

    /** The protocol version negotiated on the open channel ({@code major << 8 | minor}), 0 if none. */
    public int version() {
        ControllerSession s = session;
        return s == null ? 0 : s.version();
    }

    /** Whether the open channel has finished initialisation. */
    public boolean ready() {
        ControllerSession s = session;
        return s != null && s.ready();
    }

    /**
     * Before a rescind: takes the LUNs off the bus, tells the guest the bus changed and waits (at most
     * {@code timeoutMillis}) until the guest has probed the bus and then been quiet for {@link #QUIET_MILLIS}, so
     * that its SCSI layer has removed the disks (and flushed their write caches) while the channel still answers.
     * Linux's hv_storvsc needs this: a rescind fails every later send on the channel, and a cache flush that
     * never completes is retried forever (storvsc_eh_timed_out resets the timer), so its removal never ends.
     * Without an open, ready channel it returns at once.
     *
     * @return whether the guest probed the bus and went quiet in time
     */
    public boolean prepareRemoval(long timeoutMillis) {
        ControllerSession s = session;
        bus.removeAll();
        if (s == null || !s.ready()) {
            return true;
        }
        s.announceBusChange();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            if (bus.commandsSinceRemoval() > 0 && bus.nanosSinceLastCommand() > QUIET_MILLIS * 1_000_000L) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** How long the guest must send no command after probing a changed bus before its removal counts as done. */
    public static final long QUIET_MILLIS = 1500;

    /** Requests refused and channels closed, with the reason, newest last (256 kept). */
    public List<String> events() {
        return log.snapshot();
    }

    /** How many refusals and closes there have been in all. */
    public long eventCount() {
        return log.count();
    }

    @Override
    public String toString() {
        return "storvsp " + instance + " (" + luns.size() + " LUNs)";
    }
}
