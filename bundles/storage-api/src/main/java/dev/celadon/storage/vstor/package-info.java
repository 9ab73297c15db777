/**
 * The storvsc wire protocol as Linux 6.1 speaks it (drivers/scsi/storvsc_drv.c): {@link
 * dev.celadon.storage.vstor.VstorPacket} (the 64-byte packet every request and reply is), its
 * {@link dev.celadon.storage.vstor.VmscsiRequest} (the SRB, win8 layout), {@link
 * dev.celadon.storage.vstor.ChannelProperties}, the operations, versions and status codes, each with explicit
 * offsets. Decoders validate lengths and say what was wrong in a {@link
 * dev.celadon.storage.vstor.VstorProtocolException}.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.storage.vstor;
