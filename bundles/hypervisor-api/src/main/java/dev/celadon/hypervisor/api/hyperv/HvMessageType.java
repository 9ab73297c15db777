package dev.celadon.hypervisor.api.hyperv;

/**
 * An HV_MESSAGE_TYPE: the u32 at offset 0 of a SynIC message slot. 0 means the slot is free; values with bit 31
 * set are reserved for the hypervisor's own messages (timer expiry, intercepts), so a guest may not post them.
 */
public record HvMessageType(int value) {
    /** HvMessageTypeNone: the slot is free for the next message. */
    public static final HvMessageType NONE = new HvMessageType(0);
    /** The type VMBus uses for its channel messages (Hyper-V and Linux both send 1). */
    public static final HvMessageType VMBUS = new HvMessageType(1);
    /** HvMessageTypeTimerExpired, sent by synthetic timers in message mode. */
    public static final HvMessageType TIMER_EXPIRED = new HvMessageType(0x80000010);

    /** Whether this type is the hypervisor's (bit 31): HvPostMessage refuses them from the guest. */
    public boolean isHypervisorType() {
        return value < 0;
    }

    @Override
    public String toString() {
        return String.format("0x%x", value);
    }
}
