package dev.celadon.enlightenment.timing.internal;

import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;
import dev.celadon.licensing.LicenceGrant;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timing enlightenment (feature {@code hv-timing}): partition reference counter, reference TSC page and the
 * TSC/APIC frequency MSRs. Declarative Services activates it, and so registers the {@link Enlightenment} service,
 * exactly while a licence grants {@code hv-timing} to this bundle.
 */
@Component(service = Enlightenment.class)
public final class TimingEnlightenment implements Enlightenment {

    static final String FEATURE = "hv-timing";
    static final String BSN = "dev.celadon.enlightenment.timing";
    static final String LICENCE_FILTER = "(&(celadon.feature=" + FEATURE + ")(celadon.licensee.bsn=" + BSN + "))";

    /**
     * TIME_REF_COUNT, REFERENCE_TSC and AccessFrequencyMsrs, with "frequency MSRs available" (Linux then takes the
     * TSC and APIC rates from the MSRs instead of calibrating). AccessTscInvariantControls is withdrawn: with it,
     * Linux 6.1 rates the TSC page below the raw TSC (250 against 300) and keeps the TSC; without it, the TSC page
     * (rating 500) is its clocksource and sched_clock, which is what this enlightenment is for.
     */
    static final HvCpuidBits BITS = new HvCpuidBits(
            HvCpuidBits.FEATURE_TIME_REF_COUNT | HvCpuidBits.FEATURE_REFERENCE_TSC | HvCpuidBits.FEATURE_FREQUENCY_MSRS,
            0, HvCpuidBits.MISC_FREQUENCY_MSRS, 0, HvCpuidBits.FEATURE_TSC_INVARIANT);

    private static final Logger LOG = LoggerFactory.getLogger(TimingEnlightenment.class);

    private final String licenceId;

    @Activate
    public TimingEnlightenment(@Reference(name = "licence", target = LICENCE_FILTER) LicenceGrant grant) {
        this.licenceId = grant.licenceId();
        LOG.info("{} enabled by licence {}", FEATURE, licenceId);
    }

    @Override
    public String feature() {
        return FEATURE;
    }

    @Override
    public HvCpuidBits cpuid() {
        return BITS;
    }

    /** Declines partitions whose backend does not know its TSC or APIC timer rate: no page without a scale. */
    @Override
    public Optional<EnlightenmentInstance> attach(EnlightenedPartition partition) {
        if (partition.referenceTsc() == null || partition.apicTimerFrequencyHz() <= 0) {
            return Optional.empty();
        }
        return Optional.of(new TimingMsrs(partition));
    }

    @Override
    public String toString() {
        return FEATURE + " (licence " + licenceId + ")";
    }
}
