package dev.celadon.hypervisor.api.hyperv;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives what the guest sends on one connection id (HV_CONNECTION_ID, 24 bits): HvPostMessage (0x5C) and
 * HvSignalEvent (0x5D). VMBus registers one for its message connection and one per channel. Called on the
 * sending VP's thread after the core has validated the hypercall; return a TLFS status ({@link HvStatus}), which
 * the guest sees in RAX. A handler that throws fails the partition, never the host.
 */
@ConsumerType
public interface ConnectionHandler {

    /**
     * HvPostMessage: {@code payload} (0..240 bytes, a copy) of guest-chosen {@code messageType} (1..0x7FFFFFFF).
     * The default refuses: the connection takes no messages.
     */
    default int postMessage(int vpIndex, int connectionId, HvMessageType messageType, byte[] payload) {
        return HvStatus.INVALID_CONNECTION_ID;
    }

    /** HvSignalEvent with {@code flagNumber} (0..2047). The default refuses: the connection takes no events. */
    default int signalEvent(int vpIndex, int connectionId, int flagNumber) {
        return HvStatus.INVALID_CONNECTION_ID;
    }
}
