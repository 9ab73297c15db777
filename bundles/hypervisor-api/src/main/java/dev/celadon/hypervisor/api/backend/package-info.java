/**
 * The backend SPI: what a virtualization backend (KVM today) implements so the hypervisor core can run
 * partitions on it. The core is the only consumer of this package.
 */
@org.osgi.annotation.versioning.Version("2.2.0")
package dev.celadon.hypervisor.api.backend;
