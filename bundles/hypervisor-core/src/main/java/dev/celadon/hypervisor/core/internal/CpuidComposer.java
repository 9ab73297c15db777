package dev.celadon.hypervisor.core.internal;

import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.intercept.CpuidHandler;
import dev.celadon.hypervisor.api.intercept.CpuidLeaf;
import dev.celadon.hypervisor.api.intercept.CpuidResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Layers the CPUID handlers over the backend's CPU model into the table one processor boots with. */
final class CpuidComposer {

    private CpuidComposer() {
    }

    static List<CpuidEntry> compose(int vpIndex, List<CpuidEntry> base, List<CpuidHandler> handlers) {
        Map<CpuidLeaf, CpuidResult> table = new LinkedHashMap<>();
        for (CpuidEntry e : base) {
            table.put(e.leaf(), e.value());
        }
        for (CpuidHandler h : handlers) {
            for (CpuidLeaf added : h.addedLeaves()) {
                table.putIfAbsent(added, CpuidResult.ZERO);
            }
        }
        List<CpuidEntry> out = new ArrayList<>(table.size());
        for (Map.Entry<CpuidLeaf, CpuidResult> e : table.entrySet()) {
            CpuidResult value = e.getValue();
            for (CpuidHandler h : handlers) {
                value = h.cpuid(vpIndex, e.getKey(), value);
            }
            out.add(new CpuidEntry(e.getKey(), value));
        }
        return out;
    }
}
