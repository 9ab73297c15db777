package dev.celadon.device.serial;

/** Receives the bytes the guest transmits, in order, on the transmitting processor's thread. */
@FunctionalInterface
public interface SerialOutput {
    void write(byte b);
}
