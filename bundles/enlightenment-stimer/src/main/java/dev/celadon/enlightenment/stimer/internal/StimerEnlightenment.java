package dev.celadon.enlightenment.stimer.internal;

import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;
import dev.celadon.licensing.LicenceGrant;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The synthetic timer enlightenment (feature {@code hv-stimer}): four timers per virtual processor in direct and
 * message mode. Registered, through DS, exactly while a licence grants {@code hv-stimer} to this bundle.
 */
@Component(service = Enlightenment.class)
public final class StimerEnlightenment implements Enlightenment {

    static final String FEATURE = "hv-stimer";
    static final String BSN = "dev.celadon.enlightenment.stimer";
    static final String LICENCE_FILTER = "(&(celadon.feature=" + FEATURE + ")(celadon.licensee.bsn=" + BSN + "))";
    /** Timers count in partition reference time: without the counter a guest cannot compute a deadline. */
    static final String REQUIRES = "hv-timing";

    /**
     * AccessSyntheticTimerRegs, with direct mode available: Linux 6.1 then drives stimer0 with vector
     * HYPERVISOR_STIMER0_VECTOR (0xED) from early boot instead of waiting for hv_vmbus's message handler.
     */
    static final HvCpuidBits BITS = new HvCpuidBits(HvCpuidBits.FEATURE_SYNTIMER, 0, HvCpuidBits.MISC_STIMER_DIRECT_MODE,
            0, 0);

    private static final Logger LOG = LoggerFactory.getLogger(StimerEnlightenment.class);

    private final String licenceId;

    @Activate
    public StimerEnlightenment(@Reference(name = "licence", target = LICENCE_FILTER) LicenceGrant grant) {
        this.licenceId = grant.licenceId();
        LOG.info("{} enabled by licence {}", FEATURE, licenceId);
    }

    @Override
    public String feature() {
        return FEATURE;
    }

    @Override
    public Set<String> requires() {
        return Set.of(REQUIRES);
    }

    @Override
    public HvCpuidBits cpuid() {
        return BITS;
    }

    @Override
    public Optional<EnlightenmentInstance> attach(EnlightenedPartition partition) {
        return Optional.of(new SyntheticTimers(partition));
    }

    @Override
    public String toString() {
        return FEATURE + " (licence " + licenceId + ")";
    }
}
