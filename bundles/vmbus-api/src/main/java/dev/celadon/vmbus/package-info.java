/**
 * VMBus as values: GPADLs (guest physical address descriptor lists) validated against a partition's RAM and a
 * byte view over their pages ({@link dev.celadon.vmbus.GpadlMemory}), the VMBus packet descriptor
 * ({@link dev.celadon.vmbus.VmPacketDescriptor}, {@link dev.celadon.vmbus.VmPacket}) and the channel messages of
 * the VMBus control protocol ({@link dev.celadon.vmbus.ChannelMessage}), each with explicit offsets as Linux 6.1
 * lays them out (include/linux/hyperv.h). Everything a guest supplies is validated on decode; a violation is a
 * {@link dev.celadon.vmbus.VmbusProtocolException} whose message says what was wrong, so the caller can close
 * the channel (or refuse the message) with that reason.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.vmbus;
