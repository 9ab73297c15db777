package dev.celadon.vmbus.server.internal;

import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.ring.ReadResult;
import dev.celadon.vmbus.ring.RingBuffer;
import dev.celadon.vmbus.ring.WriteResult;
import dev.celadon.vmbus.server.Channel;
import dev.celadon.vmbus.server.VmbusDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * One open of a channel: from OPEN_CHANNEL to its close. Owns the worker thread that reads the guest-to-host
 * ring when the guest signals. The worker never takes the server's lock, so the server can stop and join it
 * while holding that lock; a violation found on the worker closes only this session ({@link #fail}), and the
 * worker itself calls {@link VmbusDevice#close} once its loop has ended, so close always follows the last
 * {@link VmbusDevice#packet}.
 */
final class ChannelSession implements Channel {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelSession.class);
    /** How long a host-side close waits for the worker (a device stuck in packet() is not waited for longer). */
    private static final long JOIN_MILLIS = 5000;

    private final HvPartition partition;
    private final int sint;
    private final int relid;
    private final int connectionId;
    private final int ringGpadl;
    private final byte[] userData;
    private final RingBuffer inbound;
    private final RingBuffer outbound;
    private final VmbusDevice device;
    private final BiConsumer<Integer, String> violations;
    private volatile int targetVp;

    private final AtomicBoolean open = new AtomicBoolean(true);
    private final AtomicBoolean failing = new AtomicBoolean();
    private final Semaphore wake = new Semaphore(1); // one permit: look at the ring once at start
    private final Object space = new Object();
    private final Object sendLock = new Object();
    private volatile String failure;
    private Thread worker;

    final AtomicLong packetsIn = new AtomicLong();
    final AtomicLong packetsOut = new AtomicLong();
    final AtomicLong signalsIn = new AtomicLong();
    final AtomicLong signalsOut = new AtomicLong();

    ChannelSession(HvPartition partition, int sint, int relid, int connectionId, int ringGpadl, int targetVp,
                   byte[] userData, RingBuffer inbound, RingBuffer outbound, VmbusDevice device,
                   BiConsumer<Integer, String> violations) {
        this.partition = partition;
        this.sint = sint;
        this.relid = relid;
        this.connectionId = connectionId;
        this.ringGpadl = ringGpadl;
        this.targetVp = targetVp;
        this.userData = userData;
        this.inbound = inbound;
        this.outbound = outbound;
        this.device = device;
        this.violations = violations;
    }

    void start() {
        worker = new Thread(this::run, "vmbus-channel-" + relid);
        worker.setDaemon(true);
        worker.start();
    }

    int ringGpadl() {
        return ringGpadl;
    }

    String failure() {
        return failure;
    }

    void retarget(int vp) {
        targetVp = vp;
    }

    /** HvSignalEvent from the guest on this channel's connection id. */
    void guestSignalled() {
        signalsIn.incrementAndGet();
        wake.release();
        synchronized (space) {
            space.notifyAll();
        }
    }

    /** Stops the worker (the guest closed, rescind, unload) and waits for it; the worker closes the device. */
    void stop() {
        open.set(false);
        wakeAll();
        join();
    }

    private void wakeAll() {
        wake.release();
        synchronized (space) {
            space.notifyAll();
        }
    }

    private void join() {
        Thread w = worker;
        if (w != null && w != Thread.currentThread()) {
            try {
                w.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (w.isAlive()) {
                LOG.warn("channel {}: worker did not stop within {} ms", relid, JOIN_MILLIS);
            }
        }
    }

    private void run() {
        try {
            while (open.get()) {
                wake.acquire();
                wake.drainPermits();
                drain();
            }
        } catch (InterruptedException e) {
            fail("worker interrupted");
        } catch (RuntimeException e) {
            // RingBufferException (the guest damaged the ring) or a device failure: this channel only.
            fail(e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            try {
                device.close();
            } catch (RuntimeException e) {
                LOG.warn("channel {}: device close failed", relid, e);
            }
        }
    }

    /** Linux's reader discipline: mask, read until empty, unmask; read on if the guest wrote meanwhile. */
    private void drain() {
        inbound.maskInterrupts();
        while (open.get()) {
            ReadResult r = inbound.read();
            if (r.signalWriter()) {
                signal();
            }
            if (r.isEmpty()) {
                if (!inbound.unmaskInterrupts()) {
                    return;
                }
                continue;
            }
            packetsIn.incrementAndGet();
            device.packet(this, r.packet());
        }
    }

    @Override
    public int relid() {
        return relid;
    }

    @Override
    public int connectionId() {
        return connectionId;
    }

    @Override
    public int targetVp() {
        return targetVp;
    }

    @Override
    public byte[] openUserData() {
        return userData.clone();
    }

    @Override
    public RingBuffer inbound() {
        return inbound;
    }

    @Override
    public RingBuffer outbound() {
        return outbound;
    }

    @Override
    public void signal() {
        signalsOut.incrementAndGet();
        PostResult r = partition.signalEvent(targetVp, sint, relid);
        if (r != PostResult.DELIVERED) {
            LOG.debug("channel {}: event to VP {} {}", relid, targetVp, r);
        }
    }

    @Override
    public boolean send(VmPacket packet, long timeoutMillis) {
        int length = packet.encodedLength();
        if (length > outbound.maxPacketLength()) {
            throw new IllegalArgumentException("packet of " + length + " bytes never fits the ring (max "
                    + outbound.maxPacketLength() + ")");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (sendLock) {
            boolean requested = false;
            try {
                while (open.get()) {
                    WriteResult w = outbound.write(packet);
                    if (w.written()) {
                        packetsOut.incrementAndGet();
                        if (w.signalReader()) {
                            signal();
                        }
                        return true;
                    }
                    if (!requested) {
                        requested = true;
                        if (outbound.requestSpace(length)) {
                            continue;
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    synchronized (space) {
                        // The guest signals when it has read past pending_send_sz; re-check first, as the
                        // signal may have come between the write and here.
                        if (outbound.bytesFree() <= length + RingBuffer.TRAILER_SIZE && open.get()) {
                            space.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                        }
                    }
                }
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                if (requested) {
                    outbound.clearSpaceRequest();
                }
            }
        }
    }

    @Override
    public boolean isOpen() {
        return open.get();
    }

    @Override
    public void fail(String reason) {
        // Reason recorded before the channel reads as closed, so whoever sees it closed also sees why.
        if (open.get() && failing.compareAndSet(false, true)) {
            failure = reason;
            violations.accept(relid, "channel " + relid + " closed: " + reason);
            open.set(false);
            wakeAll();
            join();
        }
    }
}
