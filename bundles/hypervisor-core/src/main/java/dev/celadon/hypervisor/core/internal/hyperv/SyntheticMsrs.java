package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.hyperv.GuestOsId;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.api.intercept.MsrHandler;
import java.util.Arrays;

/**
 * The synthetic MSRs outside the SynIC: HV_X64_MSR_GUEST_OS_ID (0x40000000), HV_X64_MSR_HYPERCALL (0x40000001),
 * HV_X64_MSR_VP_INDEX (0x40000002), HV_X64_MSR_VP_ASSIST_PAGE (0x40000073: Linux 6.1 writes it on every CPU whatever
 * the feature bits, so it is accepted and recorded; nothing advertised uses the page) and
 * HV_X64_MSR_TSC_INVARIANT_CONTROL (0x40000118: Linux writes 1 when AccessTscInvariantControls is set, and marks the
 * TSC unstable when it is not). Enabling the hypercall page makes the host write it: the backend's trapping
 * sequence, RET, and INT3 filling the rest of the page (a guest jumping into the middle traps at once).
 */
final class SyntheticMsrs implements MsrHandler {

    static final int GUEST_OS_ID = 0x40000000, HYPERCALL = 0x40000001, VP_INDEX = 0x40000002,
            VP_ASSIST_PAGE = 0x40000073, TSC_INVARIANT_CONTROL = 0x40000118;
    /** VP assist page: bit 0 enable, bits 11:1 reserved, 63:12 the page. */
    static final long PAGE_RESERVED = 0xFFEL;
    static final long HYPERCALL_ENABLE = 1, HYPERCALL_LOCKED = 1 << 1;
    /** Bits 11:2 of HV_X64_MSR_HYPERCALL are reserved. */
    static final long HYPERCALL_RESERVED = 0xFFCL;
    static final int PAGE = 4096;
    static final byte RET = (byte) 0xC3, INT3 = (byte) 0xCC;

    private final GuestMemory memory;
    private final byte[] sequence;
    private long guestOsId;
    private long hypercall;
    private long tscInvariant;
    private final long[] vpAssist;

    SyntheticMsrs(GuestMemory memory, byte[] hypercallSequence, int vpCount) {
        if (hypercallSequence.length == 0 || hypercallSequence.length >= PAGE) {
            throw new IllegalArgumentException("hypercall sequence of " + hypercallSequence.length + " bytes");
        }
        this.memory = memory;
        this.sequence = hypercallSequence.clone();
        this.vpAssist = new long[vpCount];
    }

    @Override
    public synchronized long read(VirtualProcessor vp, int msr) {
        return switch (msr) {
            case GUEST_OS_ID -> guestOsId;
            case HYPERCALL -> hypercall;
            case VP_INDEX -> vp.index();
            case VP_ASSIST_PAGE -> vpAssist[vp.index()];
            case TSC_INVARIANT_CONTROL -> tscInvariant;
            default -> throw new GeneralProtectionFault(String.format("rdmsr 0x%x: not a synthetic MSR", msr));
        };
    }

    @Override
    public synchronized void write(VirtualProcessor vp, int msr, long value) {
        switch (msr) {
            case GUEST_OS_ID -> {
                guestOsId = value;
                if (value == 0) {
                    // TLFS: clearing the guest OS ID disables the hypercall page (a kexec'd kernel starts over).
                    hypercall &= ~HYPERCALL_ENABLE;
                }
            }
            case HYPERCALL -> writeHypercall(value);
            case VP_INDEX -> throw new GeneralProtectionFault("wrmsr HV_X64_MSR_VP_INDEX: read-only");
            case VP_ASSIST_PAGE -> {
                if ((value & PAGE_RESERVED) != 0 || (value & 1) != 0 && !memory.isRam(value & ~0xFFFL, PAGE)) {
                    throw new GeneralProtectionFault(String.format("wrmsr HV_X64_MSR_VP_ASSIST_PAGE <- 0x%x", value));
                }
                vpAssist[vp.index()] = value;
            }
            case TSC_INVARIANT_CONTROL -> {
                if ((value & ~1L) != 0) {
                    throw new GeneralProtectionFault(String.format("wrmsr HV_X64_MSR_TSC_INVARIANT_CONTROL <- 0x%x", value));
                }
                tscInvariant = value;
            }
            default -> throw new GeneralProtectionFault(String.format("wrmsr 0x%x: not a synthetic MSR", msr));
        }
    }

    private void writeHypercall(long value) {
        if ((hypercall & HYPERCALL_LOCKED) != 0) {
            return; // locked until the partition is reset: writes are ignored
        }
        if ((value & HYPERCALL_RESERVED) != 0) {
            throw new GeneralProtectionFault(String.format("wrmsr HV_X64_MSR_HYPERCALL <- 0x%x: reserved bits", value));
        }
        if ((value & HYPERCALL_ENABLE) != 0) {
            if (guestOsId == 0) {
                throw new GeneralProtectionFault("wrmsr HV_X64_MSR_HYPERCALL: enable before HV_X64_MSR_GUEST_OS_ID");
            }
            long gpa = value & ~0xFFFL;
            if (!memory.isRam(gpa, PAGE)) {
                throw new GeneralProtectionFault(String.format("hypercall page 0x%x is not partition RAM", gpa));
            }
            byte[] page = new byte[PAGE];
            Arrays.fill(page, INT3);
            System.arraycopy(sequence, 0, page, 0, sequence.length);
            page[sequence.length] = RET;
            memory.write(gpa, page);
        }
        hypercall = value;
    }

    synchronized GuestOsId guestOsId() {
        return new GuestOsId(guestOsId);
    }

    synchronized boolean hypercallsEnabled() {
        return (hypercall & HYPERCALL_ENABLE) != 0;
    }

    synchronized long hypercallPage() {
        return (hypercall & HYPERCALL_ENABLE) != 0 ? hypercall & ~0xFFFL : -1;
    }
}
