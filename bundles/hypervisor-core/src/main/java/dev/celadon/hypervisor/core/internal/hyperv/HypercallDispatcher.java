package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.hyperv.ConnectionHandler;
import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.hyperv.HypercallControl;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.Registration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * HvNotifyLongSpinWait (0x0008), HvPostMessage (0x5C) and HvSignalEvent (0x5D): the control word, the input block and every field in it are
 * checked, in the TLFS order (control word, then alignment, then the GPA, then the fields), before a
 * {@link ConnectionHandler} sees the call. Unknown call codes never get here: the core's registry answers them.
 */
final class HypercallDispatcher {

    static final int NOTIFY_LONG_SPIN_WAIT = 0x0008, POST_MESSAGE = 0x5C, SIGNAL_EVENT = 0x5D;
    /** HvPostMessage input: u32 connection id @0, u32 reserved @4, u32 message type @8, u32 payload size @12. */
    static final int POST_HEADER = 16;
    /** HV_CONNECTION_ID: 24-bit id, bits 31:24 reserved. */
    static final int CONNECTION_RESERVED = 0xFF00_0000;
    static final int PAGE = 4096;

    private final GuestMemory memory;
    private final SyntheticMsrs msrs;
    private final ConcurrentHashMap<Integer, ConnectionHandler> connections = new ConcurrentHashMap<>();
    private final AtomicLongArray calls;
    private final AtomicLong spinWaits = new AtomicLong();

    HypercallDispatcher(GuestMemory memory, SyntheticMsrs msrs, int vpCount) {
        this.memory = memory;
        this.msrs = msrs;
        this.calls = new AtomicLongArray(vpCount);
    }

    Registration connect(int id, ConnectionHandler handler) {
        if (id < 0 || id > HvPartition.MAX_CONNECTION_ID) {
            throw new HypervisorException(String.format("connection id 0x%x is not 24 bits", id));
        }
        ConnectionHandler old = connections.putIfAbsent(id, handler);
        if (old != null) {
            throw new HypervisorException(String.format("connection id 0x%x is already taken by %s", id, old));
        }
        return () -> connections.remove(id, handler);
    }

    long count(int vp) {
        return calls.get(vp);
    }

    long spinWaits() {
        return spinWaits.get();
    }

    /** The checks every call shares; SUCCESS or the status to return. */
    private int common(VirtualProcessor vp) {
        calls.incrementAndGet(vp.index());
        // On Hyper-V these would be #UD; the backends' exits cannot inject it, so the call fails instead.
        if (!msrs.hypercallsEnabled() || vp.cpl() != 0 || !vp.in64BitMode()) {
            return HvStatus.ACCESS_DENIED;
        }
        return HvStatus.SUCCESS;
    }

    /** Alignment, then RAM: {@code length} bytes at {@code gpa} within one page of partition RAM. */
    private int checkBlock(long gpa, int length) {
        if ((gpa & 7) != 0) {
            return HvStatus.INVALID_ALIGNMENT;
        }
        if ((gpa & (PAGE - 1)) + length > PAGE) {
            return HvStatus.INVALID_ALIGNMENT; // TLFS: parameter blocks may not cross a page boundary
        }
        return memory.isRam(gpa, length) ? HvStatus.SUCCESS : HvStatus.INVALID_PARAMETER;
    }

    long postMessage(VirtualProcessor vp, long control, long input, long output) {
        HypercallControl c = new HypercallControl(control);
        int s = common(vp);
        if (s == HvStatus.SUCCESS) {
            s = c.checkSimple(false, true);
        }
        if (s == HvStatus.SUCCESS && (output & 7) != 0) {
            s = HvStatus.INVALID_ALIGNMENT; // no output, but the pointer is still checked
        }
        if (s == HvStatus.SUCCESS) {
            s = checkBlock(input, POST_HEADER);
        }
        if (s != HvStatus.SUCCESS) {
            return s;
        }
        int connection = memory.readU32(input);
        int reserved = memory.readU32(input + 4);
        HvMessageType type = new HvMessageType(memory.readU32(input + 8));
        int size = memory.readU32(input + 12);
        if ((connection & CONNECTION_RESERVED) != 0 || reserved != 0 || type.value() == 0 || type.isHypervisorType()
                || Integer.compareUnsigned(size, SynicMessage.MAX_PAYLOAD) > 0) {
            return HvStatus.INVALID_PARAMETER;
        }
        s = checkBlock(input, POST_HEADER + size);
        if (s != HvStatus.SUCCESS) {
            return s;
        }
        ConnectionHandler h = connections.get(connection);
        if (h == null) {
            return HvStatus.INVALID_CONNECTION_ID;
        }
        byte[] payload = memory.read(input + POST_HEADER, size);
        return h.postMessage(vp.index(), connection, type, payload) & 0xFFFF;
    }

    long signalEvent(VirtualProcessor vp, long control, long input, long output) {
        HypercallControl c = new HypercallControl(control);
        int s = common(vp);
        if (s == HvStatus.SUCCESS) {
            s = c.checkSimple(true, true);
        }
        if (s != HvStatus.SUCCESS) {
            return s;
        }
        long param = input; // fast: the 8-byte input is RDX itself
        if (!c.fast()) {
            s = checkBlock(input, 8);
            if (s == HvStatus.SUCCESS && (output & 7) != 0) {
                s = HvStatus.INVALID_ALIGNMENT;
            }
            if (s != HvStatus.SUCCESS) {
                return s;
            }
            param = memory.readU64(input);
        }
        // u32 connection id, u16 flag number, u16 reserved
        int connection = (int) param;
        int flag = (int) (param >>> 32) & 0xFFFF;
        if ((connection & CONNECTION_RESERVED) != 0 || (param >>> 48) != 0 || flag >= HvPartition.EVENT_FLAGS_PER_SINT) {
            return HvStatus.INVALID_PARAMETER;
        }
        ConnectionHandler h = connections.get(connection);
        if (h == null) {
            return HvStatus.INVALID_CONNECTION_ID;
        }
        return h.signalEvent(vp.index(), connection, flag) & 0xFFFF;
    }

    /**
     * HvCallNotifyLongSpinWait: a guest told a spinlock retry count other than 0xFFFFFFFF (leaf 0x40000004.EBX)
     * calls it after that many failed attempts. An advisory call (TLFS: only HV_STATUS_SUCCESS once the control word
     * is valid), fast or from memory; the 4-byte spin count is not needed to act on it. The processor's thread
     * yields the host CPU, which is the scheduling hint's point; the call is counted.
     */
    long notifyLongSpinWait(VirtualProcessor vp, long control, long input, long output) {
        HypercallControl c = new HypercallControl(control);
        int s = common(vp);
        if (s == HvStatus.SUCCESS) {
            s = c.checkSimple(true, true);
        }
        if (s != HvStatus.SUCCESS) {
            return s;
        }
        spinWaits.incrementAndGet();
        Thread.yield();
        return HvStatus.SUCCESS;
    }
}
