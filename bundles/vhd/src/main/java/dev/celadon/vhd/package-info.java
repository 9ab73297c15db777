/**
 * Virtual hard disks: fixed, dynamic and differencing VHD files (Microsoft "Virtual Hard Disk Image Format
 * Specification" 1.0) and raw images, behind one {@link dev.celadon.vhd.VirtualDisk} interface. {@link
 * dev.celadon.vhd.Vhd} creates, opens, describes, checks, compacts and converts them. Everything read from a
 * file is validated; a bad file is refused with a {@link dev.celadon.vhd.VhdException} naming the file and
 * the field.
 */
@org.osgi.annotation.versioning.Version("1.0.1")
package dev.celadon.vhd;
