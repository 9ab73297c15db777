package dev.celadon.management.internal;

import dev.celadon.device.serial.SerialOutput;
import dev.celadon.device.serial.Uart16550;
import dev.celadon.management.VmConsole;
import dev.celadon.management.VmException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's console: keeps the last {@link #LIMIT} bytes the guest wrote and passes new output to followers.
 * It outlives each run of the VM, so the log of a stopped or failed VM can still be read.
 */
final class ConsoleBuffer implements VmConsole, SerialOutput {

    static final int LIMIT = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleBuffer.class);

    private final String vmName;
    private final byte[] ring = new byte[LIMIT];
    private long written;
    private final List<Consumer<byte[]>> followers = new CopyOnWriteArrayList<>();
    private volatile Uart16550 uart;

    ConsoleBuffer(String vmName) {
        this.vmName = vmName;
    }

    /** Connects typed input to this run's UART (null when the VM is not running). */
    void connect(Uart16550 uart) {
        this.uart = uart;
    }

    @Override
    public void write(byte b) {
        synchronized (this) {
            ring[(int) (written++ % LIMIT)] = b;
        }
        if (!followers.isEmpty()) {
            byte[] one = {b};
            for (Consumer<byte[]> f : followers) {
                try {
                    f.accept(one);
                } catch (RuntimeException e) {
                    LOG.debug("console follower of {} failed; removing it", vmName, e);
                    followers.remove(f);
                }
            }
        }
    }

    @Override
    public synchronized byte[] history() {
        int n = (int) Math.min(written, LIMIT);
        byte[] out = new byte[n];
        long start = written - n;
        for (int i = 0; i < n; i++) {
            out[i] = ring[(int) ((start + i) % LIMIT)];
        }
        return out;
    }

    synchronized long bytesWritten() {
        return written;
    }

    @Override
    public AutoCloseable follow(Consumer<byte[]> listener) {
        followers.add(listener);
        return () -> followers.remove(listener);
    }

    @Override
    public void type(byte[] bytes) {
        int done = 0;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (done < bytes.length) {
            Uart16550 u = uart;
            if (u == null) {
                throw new VmException("VM " + vmName + " is not running");
            }
            done += u.receive(bytes, done, bytes.length - done);
            if (done < bytes.length) {
                if (System.nanoTime() > deadline) {
                    throw new VmException("VM " + vmName + " is not reading its console; " + done + " of "
                            + bytes.length + " bytes were typed");
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new VmException("interrupted while typing into " + vmName);
                }
            }
        }
    }
}
