package dev.celadon.loopback;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The "guest kernel" of a loopback partition: Java code that speaks the guest side of the platform's protocols.
 * When the partition starts, {@link #run} is called once on every virtual processor's thread, each with its own
 * {@link LoopbackVp} (an SMP kernel entered on every CPU; use {@link LoopbackVp#index()} to tell them apart).
 * The processor stops when {@code run} returns; the partition stops when every processor has.
 */
@ConsumerType
public interface LoopbackGuest {

    /**
     * The program of one processor. Returning ends the processor normally; throwing anything ends the partition
     * as FAILED with the exception in the reason (as an emulation failure would). A stop requested by the host
     * surfaces as {@link VpStoppedException} from the next {@link LoopbackVp} call; let it propagate.
     */
    void run(LoopbackVp vp) throws Exception;
}
