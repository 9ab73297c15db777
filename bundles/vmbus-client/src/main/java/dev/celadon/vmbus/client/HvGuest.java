package dev.celadon.vmbus.client;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.hyperv.HypercallControl;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import dev.celadon.loopback.LoopbackVp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Hyper-V interface as a guest kernel enables and uses it (TLFS; what Linux's hv_init and hv_do_hypercall
 * do), on one processor: detect the hypervisor through CPUID, write HV_X64_MSR_GUEST_OS_ID, enable the hypercall
 * page in a page of guest RAM, then make hypercalls with their input in a per-processor input page.
 * HvPostMessage (0x5C) is a slow call (input block in RAM), HvSignalEvent (0x5D) the fast form (input in RDX),
 * as Linux makes them.
 */
public final class HvGuest {
    public static final int HV_X64_MSR_GUEST_OS_ID = 0x40000000, HV_X64_MSR_HYPERCALL = 0x40000001,
            HV_X64_MSR_VP_INDEX = 0x40000002;
    public static final int HVCALL_POST_MESSAGE = 0x5C, HVCALL_SIGNAL_EVENT = 0x5D;
    /** HvPostMessage input: u32 connection id @0, u32 reserved @4, u32 message type @8, u32 payload size @12. */
    public static final int POST_HEADER = 16;
    /**
     * The guest OS id this Java guest writes: open source (bit 63), OS type 0x7F (none of the TLFS's assigned
     * types: not Linux, which it only imitates), version 1.0 (bits 47:16).
     */
    public static final long JAVA_GUEST_OS_ID = 1L << 63 | 0x7FL << 56 | 0x0100L << 16;

    private final LoopbackVp vp;
    private final long hypercallPage;
    private final long inputPage;
    private long calls;

    private HvGuest(LoopbackVp vp, long hypercallPage, long inputPage) {
        this.vp = vp;
        this.hypercallPage = hypercallPage;
        this.inputPage = inputPage;
    }

    /**
     * Checks the hypervisor is Microsoft-compatible (CPUID 0x40000000 "Microsoft Hv", 0x40000001 "Hv#1"), writes
     * the guest OS id and enables the hypercall page in a page from {@code pages}. Once per partition; other
     * processors use {@link #onProcessor}.
     *
     * @throws IllegalStateException if CPUID does not show a Hyper-V-compatible hypervisor
     */
    public static HvGuest enable(LoopbackVp vp, GuestPages pages, long guestOsId) {
        requireHyperV(vp);
        long hc = pages.page();
        vp.wrmsr(HV_X64_MSR_GUEST_OS_ID, guestOsId);
        vp.wrmsr(HV_X64_MSR_HYPERCALL, hc | 1);
        return new HvGuest(vp, hc, pages.page());
    }

    public static HvGuest enable(LoopbackVp vp, GuestPages pages) {
        return enable(vp, pages, JAVA_GUEST_OS_ID);
    }

    /** Another processor of a partition whose hypercall page is enabled: only its own input page is new. */
    public HvGuest onProcessor(LoopbackVp other, GuestPages pages) {
        return new HvGuest(other, hypercallPage, pages.page());
    }

    static void requireHyperV(LoopbackVp vp) {
        if ((vp.cpuid(1, 0).ecx() & 1 << 31) == 0) {
            throw new IllegalStateException("CPUID.1:ECX[31] is clear: no hypervisor");
        }
        CpuidResult v = vp.cpuid(0x40000000, 0);
        String vendor = ascii(v.ebx(), v.ecx(), v.edx());
        CpuidResult i = vp.cpuid(0x40000001, 0);
        if (!vendor.equals("Microsoft Hv") || i.eax() != 0x31237648 /* "Hv#1" */ || v.eax() < 0x40000005) {
            throw new IllegalStateException("not a Hyper-V-compatible hypervisor: vendor \"" + vendor
                    + "\", interface 0x" + Integer.toHexString(i.eax()) + ", max leaf 0x" + Integer.toHexString(v.eax()));
        }
    }

    private static String ascii(int... words) {
        ByteBuffer b = ByteBuffer.allocate(4 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) {
            b.putInt(w);
        }
        return new String(b.array(), StandardCharsets.US_ASCII);
    }

    public LoopbackVp vp() {
        return vp;
    }

    public GuestMemory memory() {
        return vp.memory();
    }

    /** The hypercall page's guest-physical address. */
    public long hypercallPage() {
        return hypercallPage;
    }

    /** This processor's hypercall input page. */
    public long inputPage() {
        return inputPage;
    }

    /** Hypercalls made through this object. */
    public long calls() {
        return calls;
    }

    /** Any hypercall, as a call into the hypercall page makes it; returns RAX. */
    public long hypercall(long control, long input, long output) {
        calls++;
        return vp.hypercall(control, input, output);
    }

    /**
     * HvPostMessage of {@code payload} to {@code connectionId}. The payload size in the input block is the
     * array's length; the core refuses more than 240 (a hostile caller may try). Returns the TLFS status.
     *
     * @throws IllegalArgumentException if the payload does not fit the input page at all
     */
    public int postMessage(int connectionId, int messageType, byte[] payload) {
        if (payload.length > GuestPages.PAGE - POST_HEADER) {
            throw new IllegalArgumentException("a payload of " + payload.length + " bytes does not fit the input page");
        }
        GuestMemory m = vp.memory();
        m.writeU32(inputPage, connectionId);
        m.writeU32(inputPage + 4, 0);
        m.writeU32(inputPage + 8, messageType);
        m.writeU32(inputPage + 12, payload.length);
        m.write(inputPage + POST_HEADER, payload);
        return status(hypercall(HVCALL_POST_MESSAGE, inputPage, 0));
    }

    /** HvSignalEvent, fast form: RDX = connection id | flag number << 32. Returns the TLFS status. */
    public int signalEvent(int connectionId, int flag) {
        return status(hypercall(HVCALL_SIGNAL_EVENT | HypercallControl.FAST, (connectionId & 0xFFFFFFFFL)
                | (long) (flag & 0xFFFF) << 32, 0));
    }

    /** The status field of a hypercall result. */
    public static int status(long rax) {
        return (int) rax & 0xFFFF;
    }

    /** @throws VmbusGuestException naming the status unless it is HV_STATUS_SUCCESS */
    public static void check(int status, String what) {
        if (status != HvStatus.SUCCESS) {
            throw new VmbusGuestException(what + ": " + HvStatus.name(status));
        }
    }
}
