package dev.celadon.vmbus.client;

import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.loopback.LoopbackVp;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * One processor's synthetic interrupt controller as the guest drives it (TLFS; Linux's hv_synic_enable_regs and
 * vmbus_isr): a message page (SIMP) and an event flags page (SIEFP) in guest RAM, one SINT routed to a vector,
 * SCONTROL enabled. Messages are taken from the SINT's 256-byte slot: copy, free the slot by swapping its type
 * to HvMessageTypeNone, then, if the host marked "message pending", write EOM so it delivers the next one.
 * Event flags are taken word by word with an atomic exchange, so a bit the host sets meanwhile is not lost.
 */
public final class SynicGuest {
    public static final int HV_X64_MSR_SCONTROL = 0x40000080, HV_X64_MSR_SIEFP = 0x40000082,
            HV_X64_MSR_SIMP = 0x40000083, HV_X64_MSR_EOM = 0x40000084, HV_X64_MSR_SINT0 = 0x40000090;
    /** Event flags per SINT: 2048 bits = 256 bytes. */
    public static final int FLAGS_BYTES = 256;

    private static final VarHandle U32 = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final LoopbackVp vp;
    private final int sint;
    private final int vector;
    private final long simp;
    private final long siefp;
    private final ByteBuffer slot;
    private final ByteBuffer flags;
    private long messages;
    private long eoms;

    private SynicGuest(LoopbackVp vp, int sint, int vector, long simp, long siefp) {
        this.vp = vp;
        this.sint = sint;
        this.vector = vector;
        this.simp = simp;
        this.siefp = siefp;
        this.slot = vp.memory().view(simp + (long) sint * SynicMessage.SIZE, SynicMessage.SIZE);
        this.flags = vp.memory().view(siefp + (long) sint * FLAGS_BYTES, FLAGS_BYTES);
    }

    /**
     * Enables the SynIC of {@code vp}: SIMP and SIEFP in fresh pages, SINT {@code sint} unmasked on
     * {@code vector} (16..255), then SCONTROL, in Linux's order.
     */
    public static SynicGuest enable(LoopbackVp vp, GuestPages pages, int sint, int vector) {
        if (sint < 0 || sint > 15 || vector < 16 || vector > 255) {
            throw new IllegalArgumentException("SINT " + sint + " vector " + vector);
        }
        long simp = pages.page();
        long siefp = pages.page();
        vp.wrmsr(HV_X64_MSR_SIMP, simp | 1);
        vp.wrmsr(HV_X64_MSR_SIEFP, siefp | 1);
        vp.wrmsr(HV_X64_MSR_SINT0 + sint, vector); // unmasked (bit 16 clear), no auto-EOI: the guest EOIs
        vp.wrmsr(HV_X64_MSR_SCONTROL, 1);
        return new SynicGuest(vp, sint, vector, simp, siefp);
    }

    public int sint() {
        return sint;
    }

    public int vector() {
        return vector;
    }

    /** Guest-physical address of the message page. */
    public long simp() {
        return simp;
    }

    /** Guest-physical address of the event flags page. */
    public long siefp() {
        return siefp;
    }

    /** Messages taken so far. */
    public long messages() {
        return messages;
    }

    /** EOMs written so far (one per message the host said was pending behind the one taken). */
    public long eoms() {
        return eoms;
    }

    /**
     * The message in this SINT's slot, taken (slot freed, EOM written if another is pending), or null if the slot
     * is empty. A slot the host filled with a payload size over 240 is freed and reported as an exception.
     */
    public SynicMessage takeMessage() {
        int type = (int) U32.getAcquire(slot, SynicMessage.TYPE_OFFSET);
        if (type == HvMessageType.NONE.value()) {
            return null;
        }
        byte[] image = new byte[SynicMessage.SIZE];
        slot.get(0, image);
        // Free the slot: the type back to None, atomically against the host's "pending" update; then the flag.
        while (!U32.compareAndSet(slot, SynicMessage.TYPE_OFFSET, type, HvMessageType.NONE.value())) {
            type = (int) U32.getVolatile(slot, SynicMessage.TYPE_OFFSET);
        }
        VarHandle.fullFence();
        boolean pending = (slot.get(SynicMessage.FLAGS_OFFSET) & SynicMessage.FLAG_MESSAGE_PENDING) != 0;
        if (pending) {
            eoms++;
            vp.wrmsr(HV_X64_MSR_EOM, 0);
        }
        messages++;
        try {
            return SynicMessage.decode(image);
        } catch (IllegalArgumentException e) {
            throw new VmbusGuestException("the host wrote a bad SynIC message: " + e.getMessage());
        }
    }

    /** Takes every event flag set for this SINT into {@code into}; returns how many were set. */
    public int takeEvents(BitSet into) {
        int n = 0;
        for (int w = 0; w < FLAGS_BYTES / 4; w++) {
            if ((int) U32.getVolatile(flags, w * 4) == 0) {
                continue;
            }
            int bits = (int) U32.getAndSet(flags, w * 4, 0);
            while (bits != 0) {
                int b = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                into.set(w * 32 + b);
                n++;
            }
        }
        return n;
    }
}
