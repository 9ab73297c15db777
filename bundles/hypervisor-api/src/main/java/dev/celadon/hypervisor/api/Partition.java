package dev.celadon.hypervisor.api;

import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.intercept.InterceptRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A child partition: guest memory, virtual processors and the intercepts routed to the devices attached
 * to it. A partition runs once: create, load memory and attach devices, {@link #start}, then it ends as
 * STOPPED or FAILED with every thread, descriptor and mapping released. Running a VM again makes a new one.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Partition {

    String name();

    PartitionConfig config();

    VirtualProcessor vp(int index);

    GuestMemory memory();

    InterceptRegistry intercepts();

    InterruptController interrupts();

    PartitionState state();

    /** Why the partition failed, if it did. */
    Optional<String> failureReason();

    /** The backend this partition runs on. */
    BackendInfo backend();

    /** What the backend says about this partition (backend name, kind, CPU model, ...). */
    Map<String, String> backendInfo();

    /**
     * Attaches a device whose life ends with this partition: it is closed after the processors stop and before
     * memory is released (see {@link PartitionDevice}). On an ended partition it is closed at once.
     */
    void addDevice(PartitionDevice device);

    /** Starts every virtual processor; the boot processor begins in {@code boot}, the others wait for INIT/SIPI. */
    void start(BootState boot);

    /** Powers the partition off and releases its resources. Idempotent; returns once everything is released. */
    void stop();

    /** Ends the partition as FAILED with this reason (a device found the guest's behaviour fatal). */
    void fail(String reason);

    void addListener(PartitionListener listener);

    void removeListener(PartitionListener listener);

    /** Waits until the partition is STOPPED or FAILED; returns whether it is. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;
}
