/**
 * The intercept SPI: how devices and enlightenments claim port I/O, MMIO, MSR and CPUID accesses of a
 * partition's guest. Registrations can be made and closed while the partition runs, so devices can come
 * and go.
 */
@org.osgi.annotation.versioning.Version("1.1.1")
package dev.celadon.hypervisor.api.intercept;
