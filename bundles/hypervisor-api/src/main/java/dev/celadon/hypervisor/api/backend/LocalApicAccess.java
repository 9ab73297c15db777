package dev.celadon.hypervisor.api.backend;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A backend's local APICs, for the Hyper-V APIC access MSRs (TLFS "Synthetic MSRs for APIC access": HV_X64_MSR_EOI
 * 0x40000070, HV_X64_MSR_ICR 0x40000071, HV_X64_MSR_TPR 0x40000072). Each call comes from an MSR exit on the
 * processor's own thread and acts as the architectural register would. A guest's value has been checked for
 * reserved bits by the caller; a register the APIC refuses in its current mode (disabled, x2APIC) throws
 * {@link dev.celadon.hypervisor.api.intercept.GeneralProtectionFault}.
 */
@ProviderType
public interface LocalApicAccess {

    /** End of interrupt on processor {@code vp}'s APIC, as a write of 0 to its EOI register. */
    void eoi(int vp);

    /** The task priority register (bits 7:0). */
    int tpr(int vp);

    void setTpr(int vp, int tpr);

    /**
     * The interrupt command register as one 64-bit value: bits 31:0 the low word, bits 63:32 the high word (xAPIC
     * layout: destination in 63:56; in x2APIC mode the 32-bit destination, as MSR 0x830).
     */
    long icr(int vp);

    /** Sends the IPI the 64-bit ICR value describes (the low word is the one that sends). */
    void writeIcr(int vp, long icr);
}
