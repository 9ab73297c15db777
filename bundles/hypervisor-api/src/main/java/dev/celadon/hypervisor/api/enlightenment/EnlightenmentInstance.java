package dev.celadon.hypervisor.api.enlightenment;

import org.osgi.annotation.versioning.ConsumerType;

/** An enlightenment installed on one partition; closed by the core when the partition ends. */
@ConsumerType
public interface EnlightenmentInstance extends AutoCloseable {

    /** Stops its threads and releases its registrations. Must not throw; must be idempotent. */
    @Override
    void close();
}
