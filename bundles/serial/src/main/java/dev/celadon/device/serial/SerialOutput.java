package dev.celadon.device.serial;

/** Receives the bytes the guest transmits, in order, on the transmitting processor's thread. */
@FunctionalInterface
@org.osgi.annotation.versioning.ConsumerType
public interface SerialOutput {
    void write(byte b);
}
