/**
 * The Hyper-V interface ("Viridian", Microsoft's Hypervisor Top-Level Functional Specification) as the rest of the
 * platform sees it: TLFS status codes, the hypercall control word, the SynIC message layout, the guest OS ID, and
 * the SPI through which bundles (VMBus first) receive HvPostMessage and HvSignalEvent and post SynIC messages and
 * events back to the guest. The hypervisor core implements {@link dev.celadon.hypervisor.api.hyperv.HvPartition};
 * bundles implement {@link dev.celadon.hypervisor.api.hyperv.ConnectionHandler}.
 */
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.celadon.hypervisor.api.hyperv;
