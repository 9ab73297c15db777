/**
 * Loopback partitions: the guest side is Java. A {@link dev.celadon.loopback.LoopbackGuest} runs on each virtual
 * processor's thread and drives a {@link dev.celadon.loopback.LoopbackVp}, which offers what a guest CPU has
 * (RDMSR/WRMSR, CPUID, the hypercall instruction, guest RAM, a local APIC) and routes every access through the
 * hypervisor core exactly as a hardware exit would. {@link dev.celadon.loopback.LoopbackPrograms} says which
 * program a partition runs, by partition name.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.loopback;
