package dev.celadon.hypervisor.api.backend;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.InterruptController;
import dev.celadon.hypervisor.api.VirtualProcessor;
import java.util.List;
import java.util.Map;

/** A partition as a backend runs it: memory, processors (one thread each) and the in-kernel interrupt chips. */
public interface BackendPartition extends AutoCloseable {

    GuestMemory memory();

    InterruptController interrupts();

    int vpCount();

    VirtualProcessor vp(int index);

    /** The CPU model this backend presents to processor {@code vpIndex} before any {@code CpuidHandler}. */
    List<CpuidEntry> baseCpuid(int vpIndex);

    /**
     * Sets each processor's CPUID table and starts one thread per processor. The boot processor (index 0)
     * begins in {@code boot}; the others wait for INIT/SIPI from the guest, as on a PC.
     */
    void start(BootState boot, List<List<CpuidEntry>> cpuidPerVp);

    /** Asks every processor to stop, without waiting. Safe from any thread, including a VP's own. */
    void requestStop();

    /** Stops and joins every processor thread, then closes descriptors and unmaps guest memory. Idempotent. */
    @Override
    void close();

    Map<String, String> info();
}
