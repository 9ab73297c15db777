/**
 * The guest side of VMBus in Java, for loopback partitions: what Linux's hv_vmbus does, spoken through a
 * {@link dev.celadon.loopback.LoopbackVp} so that every step crosses the hypervisor core as a real guest's would.
 * {@link dev.celadon.vmbus.client.HvGuest} enables the Hyper-V interface (guest OS id, hypercall page) and makes
 * the hypercalls, {@link dev.celadon.vmbus.client.SynicGuest} is one processor's SynIC (message and event flag
 * pages, a SINT vector, the pending/EOM protocol), {@link dev.celadon.vmbus.client.VmbusGuest} the control
 * protocol (contact, offers, GPADLs, open, close, rescind, unload) and {@link dev.celadon.vmbus.client.GuestChannel}
 * one open channel's rings. {@link dev.celadon.vmbus.client.GuestPages} hands out guest-physical pages.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.vmbus.client;
