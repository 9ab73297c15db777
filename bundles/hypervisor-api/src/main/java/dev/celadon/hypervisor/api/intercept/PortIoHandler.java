package dev.celadon.hypervisor.api.intercept;

import dev.celadon.hypervisor.api.VirtualProcessor;

/** Handles guest IN/OUT on the ports it registered for. Called on the virtual processor's thread. */
@org.osgi.annotation.versioning.ConsumerType
public interface PortIoHandler {

    /** @param size 1, 2 or 4 bytes; the low {@code size} bytes of the result are used */
    int read(VirtualProcessor vp, int port, int size);

    void write(VirtualProcessor vp, int port, int size, int value);
}
