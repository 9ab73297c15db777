/**
 * The CPU core of Celadon's x86-64 system emulator: one {@link dev.celadon.emulator.cpu.Cpu} per virtual
 * processor (decoder, decoded-code cache, interpreter, MMU with a software TLB), guest RAM shared by all of
 * them through {@link dev.celadon.emulator.cpu.PhysicalMemory}, and everything outside the core reached
 * through {@link dev.celadon.emulator.cpu.CpuPlatform}. No threads and no OSGi services here: the caller
 * drives each Cpu from one thread of its own.
 */
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.celadon.emulator.cpu;
