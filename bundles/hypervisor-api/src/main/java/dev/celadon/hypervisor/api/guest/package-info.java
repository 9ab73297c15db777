/**
 * Guest packs: what a kind of guest operating system expects of the Hyper-V interface, as a service. A pack
 * ({@link dev.celadon.hypervisor.api.guest.GuestPack}, implemented by third parties) names itself and asks for a
 * {@link dev.celadon.hypervisor.api.guest.GuestProfile}: the words of CPUID leaves 0x40000003 and 0x40000004.
 * A partition names its pack ({@code PartitionConfig.guest()}, {@code linux} by default); the hypervisor core
 * takes that pack's profile when it creates the partition, adds the bits of the enlightenments that attached, and
 * clears every bit for a feature the core or its enlightenments do not implement there: a pack asks, the core
 * grants. A partition naming a pack that is not present is not created.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.hypervisor.api.guest;
