package dev.celadon.hypervisor.core.internal.hyperv;

import dev.celadon.hypervisor.api.intercept.CpuidHandler;
import dev.celadon.hypervisor.api.intercept.CpuidLeaf;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import java.util.ArrayList;
import java.util.List;

/**
 * The hypervisor CPUID leaves 0x40000000-0x4000000A (TLFS "Hypervisor CPUID leaves"). A pure function of the
 * profile and the partition size, so KVM can serve it from the first instruction.
 */
final class HvCpuid implements CpuidHandler {

    static final int BASE = 0x40000000;
    static final int MAX_LEAF = 0x4000000A;
    /** "Microsoft Hv" in EBX, ECX, EDX. */
    static final int VENDOR_EBX = 0x7263694D, VENDOR_ECX = 0x666F736F, VENDOR_EDX = 0x76482074;
    /** "Hv#1": the interface signature of leaf 0x40000001. */
    static final int INTERFACE_HV1 = 0x31237648;

    private final HvProfile profile;
    private final int vpCount;

    HvCpuid(HvProfile profile, int vpCount) {
        this.profile = profile;
        this.vpCount = vpCount;
    }

    @Override
    public List<CpuidLeaf> addedLeaves() {
        List<CpuidLeaf> l = new ArrayList<>();
        for (int leaf = BASE; leaf <= MAX_LEAF; leaf++) {
            l.add(new CpuidLeaf(leaf, 0));
        }
        return l;
    }

    @Override
    public CpuidResult cpuid(int vpIndex, CpuidLeaf leaf, CpuidResult below) {
        int l = leaf.leaf();
        if (l < BASE || l > MAX_LEAF) {
            return below;
        }
        // Whatever the CPU model had in this range (a KVM signature would win Linux's detection) is replaced.
        return switch (l - BASE) {
            case 0 -> new CpuidResult(MAX_LEAF, VENDOR_EBX, VENDOR_ECX, VENDOR_EDX);
            case 1 -> new CpuidResult(INTERFACE_HV1, 0, 0, 0);
            case 2 -> new CpuidResult(profile.buildNumber(), profile.version(), 0, 0);
            case 3 -> new CpuidResult(profile.features(), profile.privileges(), profile.powerFeatures(),
                    profile.miscFeatures());
            case 4 -> new CpuidResult(profile.recommendations(), profile.spinlockRetries(), 0, 0);
            case 5 -> new CpuidResult(vpCount, vpCount, 0, 0); // max virtual / logical processors, no remapping
            default -> CpuidResult.ZERO; // 6: no hardware features in use; 7-9: root and nested only; A: nested
        };
    }
}
