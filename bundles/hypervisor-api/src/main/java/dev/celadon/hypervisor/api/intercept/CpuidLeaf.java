package dev.celadon.hypervisor.api.intercept;

/** A CPUID leaf and subleaf (ECX input; 0 for leaves that have none). */
public record CpuidLeaf(int leaf, int subleaf) {
}
