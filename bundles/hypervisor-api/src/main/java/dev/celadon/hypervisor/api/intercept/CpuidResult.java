package dev.celadon.hypervisor.api.intercept;

/** The four registers CPUID returns. */
public record CpuidResult(int eax, int ebx, int ecx, int edx) {
    public static final CpuidResult ZERO = new CpuidResult(0, 0, 0, 0);

    @Override
    public String toString() {
        return String.format("eax=%08x ebx=%08x ecx=%08x edx=%08x", eax, ebx, ecx, edx);
    }
}
