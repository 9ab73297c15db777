/** The 16550A serial port device: a partition's console. */
@org.osgi.annotation.versioning.Version("1.0.1")
package dev.celadon.device.serial;
