package dev.celadon.hypervisor.api.backend;

import dev.celadon.hypervisor.api.intercept.CpuidLeaf;
import dev.celadon.hypervisor.api.intercept.CpuidResult;

/** One row of a processor's CPUID table. */
public record CpuidEntry(CpuidLeaf leaf, CpuidResult value) {
}
