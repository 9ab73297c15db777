/**
 * The storage VSP: {@link dev.celadon.storvsp.StorageVsp} is a synthetic SCSI controller on VMBus (the device
 * Linux's storvsc binds to), serving {@link dev.celadon.storage.Lun}s to the guest.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.celadon.storvsp;
