package dev.celadon.hypervisor.api.hyperv;

/** What happened to a message or event the host sent to a guest's SynIC. */
public enum PostResult {
    /** Written into the slot (or the event flag set) and the SINT's interrupt raised if needed. */
    DELIVERED,
    /** The slot was busy: the message waits, the slot's message-pending flag is set, EOM delivers it. */
    QUEUED,
    /** SynIC, the message or event page, or the SINT is not enabled (or masked): nothing was delivered. */
    NOT_ENABLED,
    /** The guest has not freed the slot for too many messages; this one was dropped. */
    QUEUE_FULL
}
