/**
 * The storage VSC in Java: {@link dev.celadon.storvsc.StorageVsc} speaks storvsc as Linux 6.1 does (the
 * initialisation sequence, version proposals, SRBs whose data travel in guest pages named by GPA-direct
 * packets) over any {@link dev.celadon.storvsc.VscChannel}, the two operations it needs from a VMBus channel.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.storvsc;
