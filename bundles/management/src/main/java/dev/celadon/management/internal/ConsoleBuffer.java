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
    private final List<Follower> followers = new CopyOnWriteArrayList<>();
    private volatile Uart16550 uart;

    ConsoleBuffer(String vmName) {
        this.vmName = vmName;
    }

    /** Connects typed input to this run's UART (null when the VM is not running). */
    void connect(Uart16550 uart) {
        this.uart = uart;
    }

    /**
     * A byte from the guest, on its vCPU thread: stored and the followers woken, never waiting for them, so a
     * console client that stalls cannot stall the guest.
     */
    @Override
    public synchronized void write(byte b) {
        ring[(int) (written++ % LIMIT)] = b;
        if (!followers.isEmpty()) {
            notifyAll();
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

    /**
     * Passes new output to {@code listener} on a thread of its own. A follower that falls more than
     * {@link #LIMIT} bytes behind skips ahead (and is told how much it missed) rather than holding output back.
     */
    @Override
    public AutoCloseable follow(Consumer<byte[]> listener) {
        Follower f = new Follower(listener);
        synchronized (this) {
            f.position = written;
            followers.add(f);
        }
        f.thread.start();
        return f;
    }

    private final class Follower implements AutoCloseable {
        final Consumer<byte[]> listener;
        final Thread thread;
        long position; // guarded by the ConsoleBuffer
        volatile boolean closed;

        Follower(Consumer<byte[]> listener) {
            this.listener = listener;
            this.thread = new Thread(this::pump, "celadon-" + vmName + "-console-follower");
            this.thread.setDaemon(true);
        }

        private void pump() {
            try {
                while (!closed) {
                    byte[] chunk;
                    synchronized (ConsoleBuffer.this) {
                        while (!closed && position == written) {
                            ConsoleBuffer.this.wait(1000);
                        }
                        if (closed) {
                            return;
                        }
                        long missed = written - LIMIT - position;
                        if (missed > 0) {
                            position += missed;
                        }
                        int n = (int) Math.min(written - position, 64 * 1024);
                        chunk = new byte[n];
                        for (int i = 0; i < n; i++) {
                            chunk[i] = ring[(int) ((position + i) % LIMIT)];
                        }
                        position += n;
                        if (missed > 0) {
                            LOG.debug("console follower of {} was {} bytes behind; skipped them", vmName, missed);
                        }
                    }
                    listener.accept(chunk);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.debug("console follower of {} failed; removing it", vmName, e);
            } finally {
                followers.remove(this);
            }
        }

        @Override
        public void close() {
            closed = true;
            followers.remove(this);
            synchronized (ConsoleBuffer.this) {
                ConsoleBuffer.this.notifyAll();
            }
            if (Thread.currentThread() != thread) {
                thread.interrupt(); // a listener blocked in a stalled client's write
            }
        }
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
