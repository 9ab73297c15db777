/**
 * Java guest programs for loopback partitions: {@link dev.celadon.guest.loopback.StorageIoProgram} is a guest
 * that finds VMBus, opens every synthetic SCSI controller offered to it and does verified I/O on LUN 0, following
 * rescinds and new offers as Linux's storvsc does.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.guest.loopback;
