/**
 * Disks as the storage VSP serves them: a {@link dev.celadon.storage.StorageBackend} (block size, capacity,
 * read-only flag, reads, writes, flush; {@link dev.celadon.storage.StorageBackend#of} adapts a
 * {@link dev.celadon.vhd.VirtualDisk}), a {@link dev.celadon.storage.Lun} placing one on a SCSI controller, and
 * SCSI {@link dev.celadon.storage.Sense} data and {@link dev.celadon.storage.ScsiOpcode}s shared by the VSP and
 * the VSC.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.storage;
