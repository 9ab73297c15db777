package dev.celadon.vmbus.server;

import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.hyperv.ConnectionHandler;
import dev.celadon.hypervisor.api.hyperv.GuestOsId;
import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.Registration;

import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A partition's Hyper-V layer with the SynIC replaced by Java: what the host posts lands in a queue per
 * (VP, SINT), event flags in a bit set per VP, and the guest's HvPostMessage / HvSignalEvent are direct calls
 * into the registered handlers, with the core's validation of the hypercall (connection id registered, message
 * type, payload size).
 */
final class LoopbackPartition implements HvPartition {
    record Posted(int vp, int sint, SynicMessage message) {
    }

    record Event(int vp, int sint, int flag) {
    }

    private final Map<Integer, ConnectionHandler> handlers = new ConcurrentHashMap<>();
    final LinkedBlockingQueue<Posted> posted = new LinkedBlockingQueue<>();
    private final BitSet[] flags;
    private final int[][] flagSint;

    LoopbackPartition(int vpCount) {
        flags = new BitSet[vpCount];
        flagSint = new int[vpCount][EVENT_FLAGS_PER_SINT];
        for (int i = 0; i < vpCount; i++) {
            flags[i] = new BitSet();
        }
    }

    @Override
    public Registration connect(int connectionId, ConnectionHandler handler) {
        if (connectionId < 1 || connectionId > MAX_CONNECTION_ID || handlers.putIfAbsent(connectionId, handler) != null) {
            throw new HypervisorException("connection id " + connectionId + " is taken or out of range");
        }
        return () -> handlers.remove(connectionId, handler);
    }

    boolean connected(int connectionId) {
        return handlers.containsKey(connectionId);
    }

    @Override
    public PostResult post(int vpIndex, int sint, SynicMessage message) {
        posted.add(new Posted(vpIndex, sint, message));
        return PostResult.DELIVERED;
    }

    @Override
    public PostResult signalEvent(int vpIndex, int sint, int flag) {
        BitSet f = flags[vpIndex];
        synchronized (f) {
            f.set(flag);
            flagSint[vpIndex][flag] = sint;
            f.notifyAll();
        }
        return PostResult.DELIVERED;
    }

    /** The guest's interrupt handler: waits for event flag {@code flag} on {@code vp}, test-and-clears it. */
    boolean awaitEvent(int vp, int flag, long millis) throws InterruptedException {
        BitSet f = flags[vp];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        synchronized (f) {
            while (!f.get(flag)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                f.wait(left);
            }
            f.clear(flag);
            return true;
        }
    }

    int sintOfFlag(int vp, int flag) {
        return flagSint[vp][flag];
    }

    /** HvPostMessage from the guest. */
    int hvPostMessage(int vp, int connectionId, byte[] payload) {
        ConnectionHandler h = handlers.get(connectionId);
        if (h == null) {
            return HvStatus.INVALID_CONNECTION_ID;
        }
        if (payload.length > SynicMessage.MAX_PAYLOAD) {
            return HvStatus.INVALID_PARAMETER;
        }
        return h.postMessage(vp, connectionId, HvMessageType.VMBUS, payload.clone());
    }

    /** HvSignalEvent from the guest. */
    int hvSignalEvent(int vp, int connectionId, int flag) {
        ConnectionHandler h = handlers.get(connectionId);
        return h == null ? HvStatus.INVALID_CONNECTION_ID : h.signalEvent(vp, connectionId, flag);
    }

    @Override
    public GuestOsId guestOsId() {
        return GuestOsId.NONE;
    }

    @Override
    public long hypercallPage() {
        return -1;
    }

    @Override
    public long hypercallCount(int vpIndex) {
        return 0;
    }
}
