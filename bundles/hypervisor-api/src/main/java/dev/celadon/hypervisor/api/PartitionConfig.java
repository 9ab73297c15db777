package dev.celadon.hypervisor.api;

/** What a partition is made of. Limits a backend imposes are checked when the partition is created. */
public record PartitionConfig(String name, int vpCount, long memoryBytes) {
    public PartitionConfig {
        if (name == null || name.isBlank()) {
            throw new HypervisorException("a partition needs a name");
        }
        if (vpCount < 1) {
            throw new HypervisorException("a partition needs at least one virtual processor, got " + vpCount);
        }
        MemoryLayout.forRamSize(memoryBytes); // validates the size
    }

    public MemoryLayout layout() {
        return MemoryLayout.forRamSize(memoryBytes);
    }
}
