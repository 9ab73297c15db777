package dev.celadon.management;

import java.util.function.Consumer;

/** A VM's serial console (COM1): what the guest printed, and a way to type into it. */
@org.osgi.annotation.versioning.ProviderType
public interface VmConsole {

    /** Console output kept so far (the most recent bytes when it grew past its limit). */
    byte[] history();

    /** Follows new output as it comes; close the returned handle to stop following. */
    AutoCloseable follow(Consumer<byte[]> listener);

    /** Types bytes into the console; waits (bounded) while the guest is not reading. */
    void type(byte[] bytes);
}
