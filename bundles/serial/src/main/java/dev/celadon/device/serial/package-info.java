/** The 16550A serial port device: a partition's console. */
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.celadon.device.serial;
