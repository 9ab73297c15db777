package dev.celadon.hypervisor.api.intercept;

/** A claim on a range of guest accesses; closing it gives the range back (a device going away). */
@org.osgi.annotation.versioning.ProviderType
public interface Registration extends AutoCloseable {
    @Override
    void close();
}
