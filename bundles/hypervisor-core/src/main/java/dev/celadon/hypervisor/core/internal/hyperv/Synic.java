package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.InterruptController;
import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One virtual processor's synthetic interrupt controller (TLFS "Synthetic Interrupt Controller"): its MSRs, the
 * message slots of its SIMP page with the pending/EOM protocol, the event flags of its SIEFP page, and interrupts
 * on each SINT's vector. The pages are ordinary guest RAM the guest chose (Linux allocates them), not overlays.
 * Guard: this object's monitor, taken by the VP's own MSR accesses and by host posts from any thread.
 */
final class Synic {

    static final int SCONTROL = 0x40000080, SVERSION = 0x40000081, SIEFP = 0x40000082, SIMP = 0x40000083,
            EOM = 0x40000084, SINT0 = 0x40000090, SINT15 = 0x4000009F;
    static final long SCONTROL_ENABLE = 1;
    static final long PAGE_ENABLE = 1;
    /** SIEFP/SIMP: bit 0 enable, bits 11:1 reserved, bits 63:12 the page's GPA. */
    static final long PAGE_RESERVED = 0xFFEL;
    static final long SINT_MASKED = 1L << 16, SINT_AUTO_EOI = 1L << 17, SINT_POLLING = 1L << 18;
    /** SINTx: vector 7:0, masked 16, auto-EOI 17, polling 18; everything else reserved. */
    static final long SINT_RESERVED = ~(0xFFL | SINT_MASKED | SINT_AUTO_EOI | SINT_POLLING);
    static final long SVERSION_VALUE = 1;
    /** Messages waiting per SINT while the guest does not free its slot: beyond this a post is refused. */
    static final int QUEUE_LIMIT = 64;

    private final int vpIndex;
    private final GuestMemory memory;
    private final InterruptController interrupts;
    private long scontrol;
    private long siefp;
    private long simp;
    private final long[] sint = new long[HvPartition.SINT_COUNT];
    @SuppressWarnings("unchecked")
    private final ArrayDeque<SynicMessage>[] queues = new ArrayDeque[HvPartition.SINT_COUNT];
    private long delivered;

    Synic(int vpIndex, GuestMemory memory, InterruptController interrupts) {
        this.vpIndex = vpIndex;
        this.memory = memory;
        this.interrupts = interrupts;
        for (int i = 0; i < sint.length; i++) {
            sint[i] = SINT_MASKED; // TLFS reset value: masked, vector 0
            queues[i] = new ArrayDeque<>();
        }
    }

    static boolean owns(int msr) {
        return msr >= SCONTROL && msr <= EOM || msr >= SINT0 && msr <= SINT15;
    }

    synchronized long read(int msr) {
        return switch (msr) {
            case SCONTROL -> scontrol;
            case SVERSION -> SVERSION_VALUE;
            case SIEFP -> siefp;
            case SIMP -> simp;
            case EOM -> 0; // write-only
            default -> {
                if (msr >= SINT0 && msr <= SINT15) {
                    yield sint[msr - SINT0];
                }
                throw new GeneralProtectionFault(String.format("rdmsr 0x%x: reserved SynIC MSR", msr));
            }
        };
    }

    void write(int msr, long value) {
        boolean retry;
        synchronized (this) {
            retry = writeLocked(msr, value);
        }
        if (retry) {
            for (int s = 0; s < HvPartition.SINT_COUNT; s++) {
                deliverQueued(s);
            }
        }
    }

    /** @return whether queued messages may now go out (EOM, or a page/SINT/SynIC enabled) */
    private boolean writeLocked(int msr, long value) {
        switch (msr) {
            case SCONTROL -> {
                if ((value & ~SCONTROL_ENABLE) != 0) {
                    throw gp(msr, value, "reserved bits");
                }
                scontrol = value;
                return true;
            }
            case SVERSION -> throw gp(msr, value, "read-only");
            case SIEFP, SIMP -> {
                if ((value & PAGE_RESERVED) != 0) {
                    throw gp(msr, value, "reserved bits");
                }
                if ((value & PAGE_ENABLE) != 0 && !memory.isRam(value & ~0xFFFL, 4096)) {
                    throw gp(msr, value, "page is not partition RAM");
                }
                if (msr == SIEFP) {
                    siefp = value;
                } else {
                    simp = value;
                }
                return true;
            }
            case EOM -> {
                return true; // the value is ignored; EOM means "re-evaluate pending messages"
            }
            default -> {
                if (msr < SINT0 || msr > SINT15) {
                    throw gp(msr, value, "reserved SynIC MSR");
                }
                if ((value & SINT_RESERVED) != 0) {
                    throw gp(msr, value, "reserved bits");
                }
                if ((value & SINT_MASKED) == 0 && (value & 0xFF) < 16) {
                    throw gp(msr, value, "vectors 0-15 cannot be SynIC vectors");
                }
                sint[msr - SINT0] = value;
                return true;
            }
        }
    }

    private static GeneralProtectionFault gp(int msr, long value, String why) {
        return new GeneralProtectionFault(String.format("wrmsr 0x%x <- 0x%x: %s", msr, value, why));
    }

    private boolean enabled(int s, long page) {
        return (scontrol & SCONTROL_ENABLE) != 0 && (page & PAGE_ENABLE) != 0 && (sint[s] & SINT_MASKED) == 0;
    }

    PostResult post(int s, SynicMessage message) {
        checkSint(s);
        synchronized (this) {
            if (!enabled(s, simp)) {
                return PostResult.NOT_ENABLED;
            }
            if (queues[s].size() >= QUEUE_LIMIT) {
                return PostResult.QUEUE_FULL;
            }
            queues[s].addLast(message);
        }
        return deliverQueued(s) == message ? PostResult.DELIVERED : PostResult.QUEUED;
    }

    /**
     * Moves the head of SINT {@code s}'s queue into its slot if the guest has freed it; else marks the slot
     * "message pending" so the guest writes EOM once it frees it. Returns the message written, if any.
     */
    private SynicMessage deliverQueued(int s) {
        SynicMessage m;
        synchronized (this) {
            m = queues[s].peekFirst();
            if (m == null || !enabled(s, simp)) {
                return null;
            }
            ByteBuffer slot = memory.view((simp & ~0xFFFL) + (long) s * SynicMessage.SIZE, SynicMessage.SIZE);
            if (GuestWords.getVolatile(slot, SynicMessage.TYPE_OFFSET) != HvMessageType.NONE.value()) {
                GuestWords.getAndOr(slot, SynicMessage.PAYLOAD_SIZE_OFFSET, SynicMessage.FLAG_MESSAGE_PENDING << 8);
                // The guest frees a slot with cmpxchg(type, 0) and only then reads the flag: if it freed the slot
                // between our two steps it may have missed the flag, so look again rather than wait for an EOM.
                if (GuestWords.getVolatile(slot, SynicMessage.TYPE_OFFSET) != HvMessageType.NONE.value()) {
                    return null;
                }
            }
            queues[s].removeFirst();
            byte[] image = m.encode();
            slot.put(SynicMessage.SENDER_OFFSET, image, SynicMessage.SENDER_OFFSET,
                    SynicMessage.SIZE - SynicMessage.SENDER_OFFSET);
            int flags = queues[s].isEmpty() ? 0 : SynicMessage.FLAG_MESSAGE_PENDING; // more behind it: ask for EOM
            GuestWords.setVolatile(slot, SynicMessage.PAYLOAD_SIZE_OFFSET, (image[4] & 0xFF) | flags << 8);
            GuestWords.setVolatile(slot, SynicMessage.TYPE_OFFSET, m.type().value()); // the type last
            delivered++;
        }
        interrupt(s);
        return m;
    }

    PostResult signalEvent(int s, int flag) {
        checkSint(s);
        if (flag < 0 || flag >= HvPartition.EVENT_FLAGS_PER_SINT) {
            throw new IllegalArgumentException("event flag " + flag + " outside 0.." + (HvPartition.EVENT_FLAGS_PER_SINT - 1));
        }
        int before;
        synchronized (this) {
            if (!enabled(s, siefp)) {
                return PostResult.NOT_ENABLED;
            }
            ByteBuffer flags = memory.view((siefp & ~0xFFFL) + (long) s * 256, 256);
            before = GuestWords.getAndOr(flags, (flag >>> 5) * 4, 1 << (flag & 31));
        }
        if ((before & 1 << (flag & 31)) == 0) {
            interrupt(s); // a flag already set has an interrupt on its way: the guest scans all flags then
        }
        return PostResult.DELIVERED;
    }

    private void interrupt(int s) {
        long v;
        synchronized (this) {
            v = sint[s];
        }
        if ((v & (SINT_MASKED | SINT_POLLING)) != 0) {
            return;
        }
        // Auto-EOI (bit 17) cannot be honoured by either backend's APIC; the profile asks guests not to use it.
        // The EOI callback retries queued messages, for guests that free a slot and EOI without an EOM.
        interrupts.deliver(vpIndex, (int) v & 0xFF, () -> deliverQueued(s));
    }

    private static void checkSint(int s) {
        if (s < 0 || s >= HvPartition.SINT_COUNT) {
            throw new IllegalArgumentException("SINT " + s + " outside 0.." + (HvPartition.SINT_COUNT - 1));
        }
    }

    synchronized long delivered() {
        return delivered;
    }

    synchronized int queued(int s) {
        return queues[s].size();
    }
}
