package dev.celadon.hypervisor.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.intercept.CpuidHandler;
import dev.celadon.hypervisor.api.intercept.CpuidLeaf;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuidComposerTest {

    @Test
    void handlersLayerInOrderAndAddLeaves() {
        CpuidLeaf leaf1 = new CpuidLeaf(1, 0);
        CpuidLeaf hv = new CpuidLeaf(0x40000000, 0);
        List<CpuidEntry> base = List.of(new CpuidEntry(leaf1, new CpuidResult(0x806f8, 0, 0, 0)));
        CpuidHandler signature = new CpuidHandler() {
            @Override
            public List<CpuidLeaf> addedLeaves() {
                return List.of(hv);
            }

            @Override
            public CpuidResult cpuid(int vp, CpuidLeaf leaf, CpuidResult below) {
                return leaf.equals(hv) ? new CpuidResult(0x40000006, 0x7263694D, 0x666F736F, 0x76482074) : below;
            }
        };
        CpuidHandler hypervisorBit = (vp, leaf, below) -> leaf.equals(leaf1)
                ? new CpuidResult(below.eax(), vp << 24, below.ecx() | 0x8000_0000, below.edx()) : below;

        List<CpuidEntry> vp3 = CpuidComposer.compose(3, base, List.of(signature, hypervisorBit));

        assertEquals(2, vp3.size());
        assertEquals(new CpuidResult(0x806f8, 3 << 24, 0x8000_0000, 0), vp3.get(0).value());
        assertEquals(0x7263694D, vp3.get(1).value().ebx());
    }
}
