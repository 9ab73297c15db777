/**
 * The PC interrupt chipset in Java for backends without an in-kernel irqchip: one {@link dev.celadon.chipset.LocalApic}
 * per virtual processor (xAPIC MMIO and x2APIC MSRs), the {@link dev.celadon.chipset.ApicBus} that routes IPIs, IOAPIC
 * and MSI messages between them, and a 24-pin {@link dev.celadon.chipset.IoApic}. No threads and no services: the
 * backend owns the vCPU threads, calls in, and is called back through {@link dev.celadon.chipset.ProcessorControl}.
 */
@org.osgi.annotation.versioning.Version("1.0.1")
package dev.celadon.chipset;
