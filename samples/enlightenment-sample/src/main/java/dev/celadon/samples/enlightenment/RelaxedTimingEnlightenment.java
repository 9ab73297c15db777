package dev.celadon.samples.enlightenment;

import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;
import dev.celadon.licensing.LicenceGrant;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sample third-party enlightenment, feature {@code sample-relaxed-timing}: every partition created while it is
 * registered gets the TLFS "relaxed timing" recommendation (CPUID 0x40000004 EAX bit 5). See README.md.
 *
 * <p>The whole licence gate is the constructor's {@code @Reference}: DS creates this component, and so registers
 * the {@link Enlightenment} service the hypervisor core picks up, only once a {@link LicenceGrant} service matching
 * {@link #LICENCE_FILTER} exists and hands itself to this bundle. The reference is mandatory (the default) and
 * static (the default): when the licence is removed, expires or its signer is no longer trusted, the grant goes,
 * DS deactivates the component and the service disappears; partitions created afterwards go without the bit.
 */
@Component(service = Enlightenment.class)
public final class RelaxedTimingEnlightenment implements Enlightenment {

    /** The feature name the licence grants, hv:enlightenments and hv:partition show. Choose your own prefix. */
    static final String FEATURE = "sample-relaxed-timing";

    /** This bundle's symbolic name (the artifactId, see pom.xml); the licence grants the feature to it alone. */
    static final String BSN = "dev.celadon.samples.enlightenment";

    /**
     * Both the feature and our own symbolic name: a grant of this feature to another bundle must not satisfy (and
     * then fail) our reference, since the licensing bundle hands that grant only to the bundle it names.
     */
    static final String LICENCE_FILTER = "(&(" + LicenceGrant.FEATURE + "=" + FEATURE + ")("
            + LicenceGrant.LICENSEE_BSN + "=" + BSN + "))";

    /** HV_X64_RELAXED_TIMING_RECOMMENDED: 0x40000004 (the recommendations leaf) EAX bit 5. */
    static final int RELAXED_TIMING_RECOMMENDED = 1 << 5;

    /** Only a recommendation: no synthetic MSR, privilege or miscellaneous feature is added, none withdrawn. */
    private static final HvCpuidBits BITS = new HvCpuidBits(0, 0, 0, RELAXED_TIMING_RECOMMENDED, 0);

    private static final Logger LOG = LoggerFactory.getLogger(RelaxedTimingEnlightenment.class);

    private final String licenceId;

    @Activate
    public RelaxedTimingEnlightenment(@Reference(name = "licence", target = LICENCE_FILTER) LicenceGrant grant) {
        this.licenceId = grant.licenceId();
        LOG.info("{} enabled by licence {}", FEATURE, licenceId);
    }

    @Deactivate
    void deactivate() {
        // Running partitions keep the CPUID view they were created with; only new ones lose the bit.
        LOG.info("{} disabled (licence {} withdrawn or bundle stopping)", FEATURE, licenceId);
    }

    @Override
    public String feature() {
        return FEATURE;
    }

    @Override
    public HvCpuidBits cpuid() {
        return BITS;
    }

    /**
     * Called by the core for every partition it creates, before the partition's first instruction. The core adds
     * {@link #cpuid()} only for enlightenments whose attach returned an instance, so a CPUID-only feature returns
     * one with nothing to release. A feature with MSRs would register them here ({@code partition.msr(...)}) and
     * close the registration in {@link EnlightenmentInstance#close()}; returning empty declines this partition.
     */
    @Override
    public Optional<EnlightenmentInstance> attach(EnlightenedPartition partition) {
        return Optional.of(NOTHING_TO_RELEASE);
    }

    private static final EnlightenmentInstance NOTHING_TO_RELEASE = () -> { };

    @Override
    public String toString() {
        return FEATURE + " (licence " + licenceId + ")";
    }
}
