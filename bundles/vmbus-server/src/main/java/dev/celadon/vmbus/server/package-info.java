/**
 * The host side of VMBus for one partition: {@link dev.celadon.vmbus.server.VmbusServer} speaks the control
 * protocol (contact, offers, GPADLs, open/close, rescind, unload) with the guest through the core's Hyper-V
 * layer, and VSPs plug in as {@link dev.celadon.vmbus.server.VmbusDevice}s, each given a
 * {@link dev.celadon.vmbus.server.Channel} (its two rings and a worker thread) while the guest has it open.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.celadon.vmbus.server;
