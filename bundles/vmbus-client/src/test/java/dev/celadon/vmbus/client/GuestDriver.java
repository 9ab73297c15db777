package dev.celadon.vmbus.client;

import dev.celadon.loopback.LoopbackGuest;
import dev.celadon.loopback.LoopbackVp;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The guest program of the tests: on VP 0 it brings up Hyper-V and the SynIC ({@link VmbusGuest#start}), then
 * runs steps the test thread hands it, one at a time, on the VP's own thread (where every guest operation must
 * run). Between steps the processor idles: host messages wait in the SIMP slot and interrupts stay pending, as
 * on a guest with interrupts off. Other VPs end at once.
 */
final class GuestDriver implements LoopbackGuest {

    interface Step<T> {
        T run(VmbusGuest guest) throws Exception;
    }

    private final BlockingQueue<FutureTask<?>> steps = new LinkedBlockingQueue<>();
    private volatile boolean finished;

    @Override
    public void run(LoopbackVp vp) throws Exception {
        if (vp.index() != 0) {
            return;
        }
        guest = VmbusGuest.start(vp);
        while (!finished && !vp.stopRequested()) {
            FutureTask<?> t = steps.poll(50, TimeUnit.MILLISECONDS);
            if (t != null) {
                t.run();
            }
        }
    }

    /** Written and read on the VP's thread only (steps run there, after start). */
    private VmbusGuest guest;

    /** Runs {@code step} on the guest's processor and returns its result; its exception is rethrown here. */
    <T> T call(Step<T> step) {
        FutureTask<T> t = new FutureTask<>(() -> step.run(guest));
        steps.add(t);
        try {
            return t.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new AssertionError(c);
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("guest step did not finish: " + e);
        }
    }

    void finish() {
        finished = true;
    }
}
