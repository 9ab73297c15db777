package dev.celadon.kvm.internal;

import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.intercept.CpuidLeaf;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU Celadon presents: what KVM supports on this host (KVM_GET_SUPPORTED_CPUID), made conservative.
 * See bundles/kvm/README.md for the reasons behind each change.
 */
final class CpuModel {

    /** KVM's own entries with their flags, as returned by KVM_GET_SUPPORTED_CPUID. */
    record Entry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    }

    private final List<Entry> supported;

    CpuModel(List<Entry> supported) {
        this.supported = supported;
    }

    List<CpuidEntry> forVp(int vpIndex) {
        List<CpuidEntry> out = new ArrayList<>();
        for (Entry e : supported) {
            int fn = e.function();
            if ((fn & 0xFFFF0000) == 0x40000000) {
                continue; // no KVM signature: Linux would pick KVM over the Hyper-V interface we present
            }
            int eax = e.eax(), ebx = e.ebx(), ecx = e.ecx(), edx = e.edx();
            switch (fn) {
                case 1 -> {
                    ecx |= 1 << 31;                                        // a hypervisor is present
                    ebx = (ebx & 0x00FFFFFF) | (vpIndex << 24);            // initial APIC ID
                }
                case 7 -> {
                    if (e.index() == 0) {
                        edx &= ~(1 << 29); // ARCH_CAPABILITIES: its MSR write killed Linux under kvm_pvm
                    }
                }
                case 0xB, 0x1F -> edx = vpIndex; // x2APIC ID
                default -> {
                }
            }
            out.add(new CpuidEntry(new CpuidLeaf(fn, e.index()), new CpuidResult(eax, ebx, ecx, edx)));
        }
        return out;
    }

    /** KVM's flags for a leaf (significant index...), so a composed table keeps them. */
    int flagsOf(CpuidLeaf leaf) {
        for (Entry e : supported) {
            if (e.function() == leaf.leaf() && e.index() == leaf.subleaf()) {
                return e.flags();
            }
        }
        return leaf.subleaf() != 0 ? KvmIoctl.CPUID_FLAG_SIGNIFICANT_INDEX : 0;
    }
}
