package dev.celadon.hypervisor.api.intercept;

import dev.celadon.hypervisor.api.VirtualProcessor;

/** Handles guest loads and stores to a guest-physical range that is not RAM. Called on the VP's thread. */
@org.osgi.annotation.versioning.ConsumerType
public interface MmioHandler {

    /** @param size 1, 2, 4 or 8 bytes */
    long read(VirtualProcessor vp, long address, int size);

    void write(VirtualProcessor vp, long address, int size, long value);
}
