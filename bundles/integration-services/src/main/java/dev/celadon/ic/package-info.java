/**
 * The Hyper-V integration services of running VMs: {@link dev.celadon.ic.IntegrationServices} asks a guest to shut
 * down (the shutdown IC) and tells whether it answers heartbeats and what each service negotiated.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.ic;
