package dev.celadon.hypervisor.api.backend;

/**
 * Where the boot processor begins, as a loader sets it up. Segments are flat (base 0, limit 4 GiB).
 *
 * @param mode    {@link Mode#PROTECTED_32}: PVH entry, paging off; {@link Mode#LONG_64}: Linux 64-bit boot
 *                protocol entry, with identity page tables at {@code cr3} built by the loader
 * @param gdtBase guest-physical address of a GDT whose code and data descriptors are at {@code codeSelector}
 *                and {@code dataSelector} (the guest may reload its segments from it)
 */
public record BootState(Mode mode, long rip, long rsp, long rbx, long rsi, long cr3,
                        long gdtBase, int gdtLimit, int codeSelector, int dataSelector) {

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
