/**
 * The enlightenment SPI: host-side implementations of TLFS feature sets (timing, synthetic timers, crash
 * reporting, ...), each in a bundle of its own and registered as an {@link
 * dev.celadon.hypervisor.api.enlightenment.Enlightenment} service only while its licence grant holds. The
 * hypervisor core applies every registered enlightenment when it creates a partition: it attaches each, adds
 * the CPUID bits of those that attached to the partition's Hyper-V leaves, and closes the instances when the
 * partition ends. A running partition keeps what it was created with; services coming and going affect only
 * partitions created afterwards.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.hypervisor.api.enlightenment;
