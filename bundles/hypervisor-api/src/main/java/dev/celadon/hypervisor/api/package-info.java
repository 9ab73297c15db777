/**
 * The hypervisor's public model: partitions, their virtual processors and guest-physical memory.
 * Management code and devices use these types; backends implement {@link dev.celadon.hypervisor.api.backend}.
 */
@org.osgi.annotation.versioning.Version("2.1.0")
package dev.celadon.hypervisor.api;
