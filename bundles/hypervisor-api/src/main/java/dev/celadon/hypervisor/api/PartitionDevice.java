package dev.celadon.hypervisor.api;

/**
 * Something attached to one partition that must be released with it: a device, its threads, its registrations.
 * The core closes devices after every processor has stopped and before guest memory is unmapped, in the reverse
 * order of attachment, so no device can touch memory that is gone.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface PartitionDevice extends AutoCloseable {

    /** For logs. */
    String name();

    /** Stops the device and joins its threads. Must not throw; must be idempotent. */
    @Override
    void close();
}
