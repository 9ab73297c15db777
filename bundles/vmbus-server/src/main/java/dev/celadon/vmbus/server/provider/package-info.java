/**
 * Device plugins as services: a bundle registers a {@link dev.celadon.vmbus.server.provider.VmbusDeviceProvider}
 * for one kind of VM definition entry (e.g. {@code disk}); the code that assembles a VM asks each provider to
 * {@link dev.celadon.vmbus.server.provider.VmbusDeviceProvider#check check} an entry when it enters a definition
 * and to {@link dev.celadon.vmbus.server.provider.VmbusDeviceProvider#open open} it for each run, and offers the
 * device on that VM's {@link dev.celadon.vmbus.server.VmbusServer}. Devices every VM has without an entry (the
 * integration services) come from a {@link dev.celadon.vmbus.server.provider.VmbusServiceProvider} (1.1).
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.celadon.vmbus.server.provider;
