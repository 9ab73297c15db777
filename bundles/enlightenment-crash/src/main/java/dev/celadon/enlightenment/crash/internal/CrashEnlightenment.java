package dev.celadon.enlightenment.crash.internal;

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
 * Guest crash reporting (feature {@code hv-crash}): a guest's panic ends its partition as FAILED with the guest's
 * own panic text as the reason. Registered, through DS, exactly while a licence grants {@code hv-crash} to this
 * bundle.
 */
@Component(service = Enlightenment.class)
public final class CrashEnlightenment implements Enlightenment {

    static final String FEATURE = "hv-crash";
    static final String BSN = "dev.celadon.enlightenment.crash";
    static final String LICENCE_FILTER = "(&(celadon.feature=" + FEATURE + ")(celadon.licensee.bsn=" + BSN + "))";

    /** HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE (0x40000003.EDX bit 10): the only bit Linux checks for these MSRs. */
    static final HvCpuidBits BITS = new HvCpuidBits(0, 0, HvCpuidBits.MISC_CRASH_MSRS, 0, 0);

    private static final Logger LOG = LoggerFactory.getLogger(CrashEnlightenment.class);

    private final String licenceId;

    @Activate
    public CrashEnlightenment(@Reference(name = "licence", target = LICENCE_FILTER) LicenceGrant grant) {
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

    @Override
    public Optional<EnlightenmentInstance> attach(EnlightenedPartition partition) {
        return Optional.of(new CrashMsrs(partition));
    }

    @Override
    public String toString() {
        return FEATURE + " (licence " + licenceId + ")";
    }
}
