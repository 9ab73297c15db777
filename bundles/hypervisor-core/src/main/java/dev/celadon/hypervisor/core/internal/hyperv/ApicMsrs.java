package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.LocalApicAccess;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.api.intercept.MsrHandler;

/**
 * The APIC access MSRs (TLFS "Synthetic MSRs for APIC access", privilege AccessIntrCtrlRegs): HV_X64_MSR_EOI
 * 0x40000070 (write-only; bits 63:32 reserved), HV_X64_MSR_ICR 0x40000071 (the 64-bit ICR, low word in 31:0) and
 * HV_X64_MSR_TPR 0x40000072 (bits 7:0; 63:8 reserved), mapped onto the backend's local APIC of the calling
 * processor. Installed only where the backend gives the core its APICs and the profile grants the feature; where it
 * is not, the MSRs are unclaimed and every access takes #GP, as the cleared feature bit told the guest.
 */
final class ApicMsrs implements MsrHandler {

    static final int EOI = 0x40000070, ICR = 0x40000071, TPR = 0x40000072;
    static final int COUNT = 3;
    /** ICR low word: bits 31:20, 17:16 (remote read status) and 13 are reserved; 12 (delivery status) is read-only. */
    static final long ICR_RESERVED_LOW = 0xFFF3_2000L;
    static final long ICR_DELIVERY_STATUS = 1 << 12;

    private final LocalApicAccess apic;

    ApicMsrs(LocalApicAccess apic) {
        this.apic = apic;
    }

    @Override
    public long read(VirtualProcessor vp, int msr) {
        return switch (msr) {
            case EOI -> throw new GeneralProtectionFault("rdmsr HV_X64_MSR_EOI: write-only");
            case ICR -> apic.icr(vp.index());
            case TPR -> apic.tpr(vp.index()) & 0xFF;
            default -> throw new GeneralProtectionFault(String.format("rdmsr 0x%x: not an APIC access MSR", msr));
        };
    }

    @Override
    public void write(VirtualProcessor vp, int msr, long value) {
        switch (msr) {
            case EOI -> {
                if ((value >>> 32) != 0) {
                    throw new GeneralProtectionFault(String.format("wrmsr HV_X64_MSR_EOI <- 0x%x: reserved bits", value));
                }
                apic.eoi(vp.index());
            }
            case ICR -> {
                if ((value & ICR_RESERVED_LOW) != 0) {
                    throw new GeneralProtectionFault(String.format("wrmsr HV_X64_MSR_ICR <- 0x%x: reserved bits", value));
                }
                apic.writeIcr(vp.index(), value & ~ICR_DELIVERY_STATUS);
            }
            case TPR -> {
                if ((value & ~0xFFL) != 0) {
                    throw new GeneralProtectionFault(String.format("wrmsr HV_X64_MSR_TPR <- 0x%x: reserved bits", value));
                }
                apic.setTpr(vp.index(), (int) value);
            }
            default -> throw new GeneralProtectionFault(String.format("wrmsr 0x%x: not an APIC access MSR", msr));
        }
    }
}
