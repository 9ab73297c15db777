package dev.celadon.hypervisor.core.internal;

import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.InterruptLine;
import dev.celadon.hypervisor.api.InterruptTopology;
import dev.celadon.hypervisor.api.PartitionDevice;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.InterruptController;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionListener;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.api.intercept.InterceptRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition as the core sees it: the backend runs it, the core routes its exits and owns its life cycle.
 * A device that throws while handling an exit ends this partition as FAILED; nothing leaks to other
 * partitions or to the host.
 */
final class CorePartition implements Partition, ExitHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CorePartition.class);
    /** The partition whose exit this thread is handling, so a device asking for a stop is not joined by itself. */
    private static final ThreadLocal<CorePartition> IN_EXIT = new ThreadLocal<>();

    private final PartitionConfig config;
    private final BackendInfo backendInfo;
    private final HypervisorBackend backendService;
    private final List<PartitionDevice> devices = new ArrayList<>(); // guarded by this
    private final GuardedInterrupts interrupts = new GuardedInterrupts();
    private final InterceptRouter router = new InterceptRouter();
    private final List<PartitionListener> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicInteger runningVps = new AtomicInteger();
    private final Consumer<CorePartition> onTerminated;
    private BackendPartition backend; // set once, right after construction
    private volatile PartitionState state = PartitionState.CREATED;
    private volatile String failureReason;
    private volatile boolean released;

    CorePartition(PartitionConfig config, BackendInfo backendInfo, HypervisorBackend backendService,
                  Consumer<CorePartition> onTerminated) {
        this.config = config;
        this.backendInfo = backendInfo;
        this.backendService = backendService;
        this.onTerminated = onTerminated;
    }

    void attach(BackendPartition backendPartition) {
        this.backend = backendPartition;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public PartitionConfig config() {
        return config;
    }

    @Override
    public VirtualProcessor vp(int index) {
        if (index < 0 || index >= backend.vpCount()) {
            throw new HypervisorException("no virtual processor " + index + " in partition " + name());
        }
        return backend.vp(index);
    }

    @Override
    public GuestMemory memory() {
        return backend.memory();
    }

    @Override
    public InterceptRegistry intercepts() {
        return router;
    }

    @Override
    public InterruptController interrupts() {
        return interrupts;
    }

    HypervisorBackend backendService() {
        return backendService;
    }

    @Override
    public BackendInfo backend() {
        return backendInfo;
    }

    @Override
    public void addDevice(PartitionDevice device) {
        synchronized (this) {
            if (!released) {
                devices.add(device);
                return;
            }
        }
        closeQuietly(device);
    }

    private void closeQuietly(PartitionDevice d) {
        try {
            d.close();
        } catch (RuntimeException e) {
            LOG.error("partition {}: device {} failed to close", name(), d.name(), e);
        }
    }

    /**
     * The backend's interrupt controller, made inert once the partition is released: a device thread that races
     * a stop cannot raise an interrupt on a closed VM.
     */
    private final class GuardedInterrupts implements InterruptController {
        @Override
        public InterruptTopology topology() {
            return backend.interrupts().topology();
        }

        @Override
        public InterruptLine line(int gsi) {
            InterruptLine inner = backend.interrupts().line(gsi);
            return new InterruptLine() {
                @Override
                public void assertLine() {
                    if (!released) {
                        inner.assertLine();
                    }
                }

                @Override
                public void deassertLine() {
                    if (!released) {
                        inner.deassertLine();
                    }
                }
            };
        }

        @Override
        public void signalMsi(long address, int data) {
            if (!released) {
                backend.interrupts().signalMsi(address, data);
            }
        }

        @Override
        public void deliver(int vpIndex, int vector, Runnable onEoi) {
            if (vpIndex < 0 || vpIndex >= backend.vpCount()) {
                throw new HypervisorException("no virtual processor " + vpIndex + " in partition " + name());
            }
            if (!released) {
                backend.interrupts().deliver(vpIndex, vector, onEoi);
            }
        }

        @Override
        public boolean notifiesEoi() {
            return backend.interrupts().notifiesEoi();
        }
    }

    @Override
    public PartitionState state() {
        return state;
    }

    @Override
    public Optional<String> failureReason() {
        return Optional.ofNullable(failureReason);
    }

    @Override
    public Map<String, String> backendInfo() {
        return backend.info();
    }

    @Override
    public void start(BootState boot) {
        synchronized (this) {
            if (state != PartitionState.CREATED) {
                throw new HypervisorException("partition " + name() + " is " + state + "; only a new partition can start");
            }
            List<List<CpuidEntry>> tables = new ArrayList<>();
            for (int i = 0; i < backend.vpCount(); i++) {
                tables.add(CpuidComposer.compose(i, backend.baseCpuid(i), router.cpuidHandlers()));
            }
            runningVps.set(backend.vpCount());
            state = PartitionState.RUNNING;
            try {
                backend.start(boot, tables);
            } catch (RuntimeException e) {
                failureReason = "start failed: " + e.getMessage();
                state = PartitionState.CREATED; // release() below moves it to FAILED
                release(PartitionState.FAILED);
                throw e;
            }
        }
        notifyListeners(PartitionState.RUNNING);
    }

    @Override
    public void stop() {
        if (IN_EXIT.get() == this) {
            // A device on this partition's own vCPU thread (the guest powering off): stop from elsewhere.
            backend.requestStop();
            Thread t = new Thread(() -> release(PartitionState.STOPPED), "celadon-" + name() + "-teardown");
            t.setDaemon(true);
            t.start();
            return;
        }
        release(PartitionState.STOPPED);
    }

    @Override
    public void fail(String reason) {
        synchronized (this) {
            if (state.isTerminal() || failureReason != null) {
                return;
            }
            failureReason = reason;
        }
        LOG.warn("partition {} failed: {}", name(), reason);
        backend.requestStop();
        // Called from a VP thread: the backend cannot join that thread from itself, so tear down elsewhere.
        Thread t = new Thread(() -> release(PartitionState.FAILED), "celadon-" + name() + "-teardown");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Tears down in phases, exactly once: processors stopped and joined, then devices closed (their threads
     * joined) in reverse order, then memory and descriptors released; then the terminal state.
     */
    private void release(PartitionState requested) {
        List<PartitionDevice> toClose;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            toClose = new ArrayList<>(devices);
            devices.clear();
        }
        try {
            backend.stopProcessors();
        } catch (RuntimeException e) {
            LOG.error("partition {}: error while stopping processors", name(), e);
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            closeQuietly(toClose.get(i));
        }
        try {
            backend.close();
        } catch (RuntimeException e) {
            LOG.error("partition {}: error while releasing backend resources", name(), e);
        }
        PartitionState end = failureReason != null ? PartitionState.FAILED : requested;
        state = end;
        terminated.countDown();
        onTerminated.accept(this);
        notifyListeners(end);
    }

    private void notifyListeners(PartitionState s) {
        for (PartitionListener l : listeners) {
            try {
                l.stateChanged(this, s);
            } catch (RuntimeException e) {
                LOG.warn("partition listener failed", e);
            }
        }
    }

    @Override
    public void addListener(PartitionListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(PartitionListener listener) {
        listeners.remove(listener);
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    // ---- exits from the backend, on VP threads ----

    @Override
    public int portRead(VirtualProcessor vp, int port, int size) {
        try {
            IN_EXIT.set(this);
            return router.portRead(vp, port, size);
        } catch (RuntimeException e) {
            fail(String.format("device failed on IN from port 0x%x: %s", port, e));
            return -1;
        } finally {
            IN_EXIT.remove();
        }
    }

    @Override
    public void portWrite(VirtualProcessor vp, int port, int size, int value) {
        try {
            IN_EXIT.set(this);
            router.portWrite(vp, port, size, value);
        } catch (RuntimeException e) {
            fail(String.format("device failed on OUT to port 0x%x: %s", port, e));
        } finally {
            IN_EXIT.remove();
        }
    }

    @Override
    public long mmioRead(VirtualProcessor vp, long address, int size) {
        try {
            IN_EXIT.set(this);
            return router.mmioRead(vp, address, size);
        } catch (RuntimeException e) {
            fail(String.format("device failed on MMIO read at 0x%x: %s", address, e));
            return -1;
        } finally {
            IN_EXIT.remove();
        }
    }

    @Override
    public void mmioWrite(VirtualProcessor vp, long address, int size, long value) {
        try {
            IN_EXIT.set(this);
            router.mmioWrite(vp, address, size, value);
        } catch (RuntimeException e) {
            fail(String.format("device failed on MMIO write at 0x%x: %s", address, e));
        } finally {
            IN_EXIT.remove();
        }
    }

    @Override
    public long msrRead(VirtualProcessor vp, int msr) {
        try {
            IN_EXIT.set(this);
            return router.msrRead(vp, msr);
        } catch (GeneralProtectionFault e) {
            throw e;
        } catch (RuntimeException e) {
            fail(String.format("device failed on rdmsr 0x%x: %s", msr, e));
            return 0;
        } finally {
            IN_EXIT.remove();
        }
    }

    @Override
    public void msrWrite(VirtualProcessor vp, int msr, long value) {
        try {
            IN_EXIT.set(this);
            router.msrWrite(vp, msr, value);
        } catch (GeneralProtectionFault e) {
            throw e;
        } catch (RuntimeException e) {
            fail(String.format("device failed on wrmsr 0x%x: %s", msr, e));
        } finally {
            IN_EXIT.remove();
        }
    }

    @Override
    public void hypercall(VirtualProcessor vp) {
        try {
            IN_EXIT.set(this);
            router.hypercall(vp);
        } catch (RuntimeException e) {
            fail("hypercall handler failed: " + e);
        } finally {
            IN_EXIT.remove();
        }
    }

    @Override
    public void vpExited(VirtualProcessor vp, String failure) {
        if (failure != null) {
            fail("vCPU " + vp.index() + ": " + failure);
        } else if (runningVps.decrementAndGet() == 0 && !released) {
            // Every processor ended without a stop request from us (e.g. the guest powered off).
            Thread t = new Thread(() -> release(PartitionState.STOPPED), "celadon-" + name() + "-teardown");
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public String toString() {
        return "partition " + name() + " (" + state + ")";
    }
}
