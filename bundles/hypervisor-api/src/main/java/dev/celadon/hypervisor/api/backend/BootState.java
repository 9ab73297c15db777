package dev.celadon.hypervisor.api.backend;

/**
 * Where the boot processor begins, as a loader sets it up. Segments are flat (base 0, limit 4 GiB).
 *
 * @param mode    {@link Mode#PROTECTED_32}: PVH entry, paging off; {@link Mode#LONG_64}: Linux 64-bit boot
 *                protocol entry, with identity page tables at {@code cr3} built by the loader
 * @param gdtBase guest-physical address of a GDT whose code and data descriptors are at {@code codeSelector}
 *                and {@code dataSelector} (the guest may reload its segments from it)
 * @param rax     the accumulator at entry (multiboot's magic 0x2BADB002; 0 for PVH and Linux)
 */
public record BootState(Mode mode, long rip, long rsp, long rax, long rbx, long rsi, long cr3,
                        long gdtBase, int gdtLimit, int codeSelector, int dataSelector) {

    /** An entry state with RAX = 0 (PVH, Linux). */
    public BootState(Mode mode, long rip, long rsp, long rbx, long rsi, long cr3,
                     long gdtBase, int gdtLimit, int codeSelector, int dataSelector) {
        this(mode, rip, rsp, 0, rbx, rsi, cr3, gdtBase, gdtLimit, codeSelector, dataSelector);
    }

    public enum Mode { PROTECTED_32, LONG_64 }

    public BootState {
        if (mode == null) {
            throw new IllegalArgumentException("mode");
        }
        if (mode == Mode.LONG_64 && cr3 == 0) {
            throw new IllegalArgumentException("64-bit entry needs page tables (cr3)");
        }
    }
}
