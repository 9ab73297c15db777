package dev.celadon.ic.internal;

import dev.celadon.ic.IcException;
import dev.celadon.ic.ServiceStatus.State;
import dev.celadon.vmbus.Guid;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shutdown IC: the host asks, the guest answers HV_S_OK and powers off in its own time (hv_utils:
 * orderly_poweroff(true), "Shutdown request received - graceful shutdown initiated"), or answers HV_E_FAIL.
 * Versions offered: 3.0 and 1.0, the ones whose only request is "shut down" (3.1 added restart and 3.2 hibernate,
 * which this host never sends). Linux 6.1 picks 3.0.
 */
final class ShutdownService extends IcService {
    private static final Logger LOG = LoggerFactory.getLogger("dev.celadon.ic");
    static final List<IcVersion> VERSIONS = List.of(new IcVersion(3, 0), new IcVersion(1, 0));
    /** What a Windows guest would show; Linux ignores it. */
    static final String MESSAGE = "Celadon: the host asked this VM to shut down (vm:shutdown)";

    private volatile Instant requested;
    private volatile String outcome;

    ShutdownService(String vm, Guid instance, ScheduledExecutorService scheduler) {
        super(vm, "shutdown", instance, VERSIONS, scheduler);
    }

    @Override
    public Guid interfaceType() {
        return IcGuids.SHUTDOWN;
    }

    @Override
    void ready(int g, IcNegotiate.Result versions) {
        // Nothing until someone asks: vm:shutdown.
    }

    /**
     * Sends "power off" and waits up to {@code ackMillis} for the guest's answer.
     *
     * @throws IcException if the channel is not ready, the guest refuses or does not answer in time
     */
    void powerOff(long ackMillis) {
        int g = generation();
        State s = state();
        IcNegotiate.Result v = versions();
        if (s != State.READY || v == null) {
            throw new IcException(switch (s) {
                case CLOSED -> "the guest of VM " + vm + " has not opened the shutdown channel (is hv_utils loaded?)";
                case NEGOTIATING -> "the guest of VM " + vm + " has not answered version negotiation on the shutdown"
                        + " channel";
                case FAILED -> "the shutdown channel of VM " + vm + " failed: " + status().detail();
                case READY, UNAVAILABLE -> "the shutdown channel of VM " + vm + " is not ready";
            });
        }
        CompletableFuture<Integer> ack = new CompletableFuture<>();
        ShutdownMessage m = new ShutdownMessage(0, 0, ShutdownMessage.FLAG_POWER_OFF, MESSAGE);
        requested = Instant.now();
        if (!send(g, IcMessageHeader.TYPE_SHUTDOWN, tx -> m.encodeRequest(v.framework(), v.message(), tx), ack)) {
            throw new IcException("the shutdown request could not be sent to VM " + vm + " (channel closed or ring full)");
        }
        int status;
        try {
            status = ack.get(ackMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            outcome = "requested " + ago(requested) + ", not acknowledged";
            throw new IcException("the guest of VM " + vm + " did not acknowledge the shutdown request within "
                    + ackMillis + " ms");
        } catch (ExecutionException e) {
            throw new IcException("the guest of VM " + vm + " did not acknowledge the shutdown request: "
                    + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IcException("interrupted while waiting for the guest of VM " + vm);
        }
        if (status != IcMessageHeader.HV_S_OK) {
            outcome = String.format("refused with status 0x%08x", status);
            throw new IcException(String.format("the guest of VM %s refused the shutdown request (status 0x%08x)",
                    vm, status));
        }
        outcome = "acknowledged";
        LOG.info("VM {}: the guest acknowledged the shutdown request", vm);
    }

    @Override
    @SuppressWarnings("unchecked")
    void answered(IcMessageHeader header, byte[] data, Object context) {
        ((CompletableFuture<Integer>) context).complete(header.status());
    }

    @Override
    @SuppressWarnings("unchecked")
    void closed(List<Pending> dropped) {
        for (Pending p : dropped) {
            if (p.context() instanceof CompletableFuture<?> f) {
                ((CompletableFuture<Integer>) f).completeExceptionally(new IcException("the channel closed first"));
            }
        }
    }

    @Override
    String readyDetail() {
        Instant r = requested;
        return r == null ? "ready (vm:shutdown asks the guest to power off)"
                : "shutdown requested " + ago(r) + ", " + outcome;
    }
}
