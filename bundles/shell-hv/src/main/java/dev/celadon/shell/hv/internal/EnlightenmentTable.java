package dev.celadon.shell.hv.internal;

import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.licensing.Grant;
import dev.celadon.licensing.LicenceGrant;
import dev.celadon.licensing.LicenceService;
import dev.celadon.licensing.LicenceState;
import dev.celadon.licensing.LicenceStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.SatisfiedReferenceDTO;
import org.osgi.framework.dto.ServiceReferenceDTO;

/**
 * What {@code hv:enlightenments} shows: one row per known enlightenment feature (and provider), put together from
 * three places, because no single one knows them all:
 * <ul>
 * <li>the DS runtime ({@link ServiceComponentRuntime}): every component of an active bundle that provides
 * {@link Enlightenment}, registered or not; its feature is the {@code celadon.feature} of its {@link LicenceGrant}
 * reference's target filter (the convention every enlightenment follows, see the licensing API), its licence the
 * {@code celadon.licence.id} of the grant it is bound to;</li>
 * <li>the core's {@link HyperV#enlightenments()}: what is registered now, i.e. what a partition created now gets
 * (this decides "active");</li>
 * <li>the licences ({@link LicenceService#list()}): features granted to bundles that are not installed, not
 * started, or not providing a component.</li>
 * </ul>
 * Any of the three services may be absent; the table says what it could not know.
 */
public final class EnlightenmentTable {

    /** An installed bundle as the table needs it (from the framework; tests give a list). */
    public record Installed(String symbolicName, String version, String state) {
    }

    /** One line of the table. */
    public record Row(String feature, String provider, String licence, String active) {
    }

    private static final Pattern FEATURE_IN_FILTER = Pattern.compile(
            "\\(" + Pattern.quote(LicenceGrant.FEATURE) + "=([^()*\\\\]+)\\)");
    private static final String ENLIGHTENMENT = Enlightenment.class.getName();

    private EnlightenmentTable() {
    }

    /** The {@code celadon.feature} a target filter selects, if it names exactly one. */
    static Optional<String> featureOf(String target) {
        if (target == null) {
            return Optional.empty();
        }
        Matcher m = FEATURE_IN_FILTER.matcher(target);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** A mutable row under construction. */
    private static final class Entry {
        final String feature;
        String bsn; // null: unknown
        String version;
        String bundleState; // null: unknown; "Active", "Resolved", ...
        boolean installed = true;
        ComponentDescriptionDTO component;
        List<ComponentConfigurationDTO> configurations = List.of();
        Enlightenment registered;

        Entry(String feature) {
            this.feature = feature;
        }

        boolean provider(String symbolicName) {
            return bsn != null && bsn.equals(symbolicName);
        }
    }

    /**
     * Rows sorted by feature. {@code scr}, {@code hyperV} and {@code licences} may each be null (absent);
     * {@code bundles} lists the installed bundles, null if unknown.
     */
    public static List<Row> rows(ServiceComponentRuntime scr, HyperV hyperV, LicenceService licences,
            List<Installed> bundles, Function<Enlightenment, Optional<Installed>> providerOf) {
        List<Entry> entries = new ArrayList<>();
        // 1. DS: components providing Enlightenment, active or not.
        if (scr != null) {
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                if (d.serviceInterfaces == null || !Arrays.asList(d.serviceInterfaces).contains(ENLIGHTENMENT)) {
                    continue;
                }
                Optional<String> feature = Arrays.stream(d.references == null ? new ReferenceDTO[0] : d.references)
                        .filter(r -> LicenceGrant.class.getName().equals(r.interfaceName))
                        .map(r -> featureOf(r.target)).flatMap(Optional::stream).findFirst();
                Collection<ComponentConfigurationDTO> configs = scr.getComponentConfigurationDTOs(d);
                Entry e = new Entry(feature.orElse("(" + d.name + ")"));
                e.component = d;
                e.configurations = configs == null ? List.of() : List.copyOf(configs);
                if (d.bundle != null) {
                    e.bsn = d.bundle.symbolicName;
                    e.version = d.bundle.version;
                    e.bundleState = stateName(d.bundle.state);
                }
                entries.add(e);
            }
        }
        // 2. The core: what is registered now.
        List<Enlightenment> registered = hyperV == null ? List.of() : hyperV.enlightenments();
        for (Enlightenment en : registered) {
            Optional<Installed> from = providerOf.apply(en);
            Entry match = entries.stream().filter(e -> e.feature.equals(en.feature()) && e.registered == null
                    && (from.isEmpty() || e.provider(from.get().symbolicName()))).findFirst().orElse(null);
            if (match == null) {
                match = new Entry(en.feature());
                if (from.isPresent()) {
                    match.bsn = from.get().symbolicName();
                    match.version = from.get().version();
                    match.bundleState = from.get().state();
                }
                entries.add(match);
            }
            match.registered = en;
        }
        // 3. Licences: features granted to bundles no row has yet.
        List<LicenceStatus> all = licences == null ? List.of() : licences.list();
        for (LicenceStatus s : all) {
            for (Grant g : s.licence().map(l -> l.grants()).orElse(List.of())) {
                boolean known = entries.stream().anyMatch(e -> e.feature.equals(g.feature())
                        && (e.bsn == null || e.bsn.equals(g.bundle())));
                if (known) {
                    continue;
                }
                Entry e = new Entry(g.feature());
                e.bsn = g.bundle();
                Optional<Installed> b = bundles == null ? Optional.empty()
                        : bundles.stream().filter(x -> x.symbolicName().equals(g.bundle())).findFirst();
                if (b.isPresent()) {
                    e.version = b.get().version();
                    e.bundleState = b.get().state();
                } else {
                    e.installed = bundles == null;
                }
                entries.add(e);
            }
        }
        Set<String> active = registered.stream().map(Enlightenment::feature).collect(Collectors.toSet());
        List<Row> rows = new ArrayList<>();
        for (Entry e : entries) {
            rows.add(new Row(e.feature, provider(e), licence(e, licences, all), active(e, hyperV, active)));
        }
        rows.sort(Comparator.comparing(Row::feature).thenComparing(Row::provider));
        return rows;
    }

    private static String provider(Entry e) {
        if (e.bsn == null) {
            return "unknown";
        }
        if (!e.installed) {
            return "none (licensed to " + e.bsn + ", not installed)";
        }
        return e.bsn + (e.version == null ? "" : "/" + e.version);
    }

    /** The licence the component runs on (bound grant), else the best licence granting the feature to it. */
    private static String licence(Entry e, LicenceService service, List<LicenceStatus> all) {
        for (ComponentConfigurationDTO c : e.configurations) {
            for (SatisfiedReferenceDTO r : c.satisfiedReferences == null ? new SatisfiedReferenceDTO[0]
                    : c.satisfiedReferences) {
                for (ServiceReferenceDTO s : r.boundServices == null ? new ServiceReferenceDTO[0] : r.boundServices) {
                    Object id = s.properties == null ? null : s.properties.get(LicenceGrant.LICENCE_ID);
                    if (id != null && Objects.equals(s.properties.get(LicenceGrant.FEATURE), e.feature)) {
                        return id.toString();
                    }
                }
            }
        }
        if (service == null) {
            return "unknown (no licence service)";
        }
        LicenceStatus best = null;
        for (LicenceStatus s : all) {
            boolean grants = s.licence().map(l -> l.grants()).orElse(List.of()).stream()
                    .anyMatch(g -> g.feature().equals(e.feature) && grantsTo(g, e));
            if (grants && (best == null || (s.valid() && !best.valid()))) {
                best = s;
            }
        }
        if (best == null) {
            return "none";
        }
        return best.valid() ? best.id() : state(best.state()) + " " + best.id();
    }

    private static boolean grantsTo(Grant g, Entry e) {
        if (e.bsn != null && !e.bsn.equals(g.bundle())) {
            return false;
        }
        if (g.versionRange().isEmpty() || e.version == null) {
            return true;
        }
        try {
            return new VersionRange(g.versionRange().get()).includes(Version.parseVersion(e.version));
        } catch (IllegalArgumentException bad) {
            return false;
        }
    }

    private static String active(Entry e, HyperV hyperV, Set<String> activeFeatures) {
        if (e.registered != null) {
            Set<String> missing = new LinkedHashSet<>(e.registered.requires());
            missing.removeAll(activeFeatures);
            return missing.isEmpty() ? "yes"
                    : "yes, but left out of partitions: needs " + String.join(", ", missing) + ", not active";
        }
        if (!e.installed) {
            return "no: no bundle provides it";
        }
        if (e.bundleState != null && !e.bundleState.equals("Active")) {
            return "no: bundle " + e.bundleState.toLowerCase(Locale.ROOT) + ", not started";
        }
        if (e.component == null) {
            return e.bundleState == null ? "no" : "no: its bundle has no enlightenment component";
        }
        if (!e.component.defaultEnabled && e.configurations.isEmpty()) {
            return "no: component disabled";
        }
        for (ComponentConfigurationDTO c : e.configurations) {
            switch (c.state) {
                case ComponentConfigurationDTO.SATISFIED, ComponentConfigurationDTO.ACTIVE -> {
                    return hyperV == null ? "registered (the core's HyperV service is absent)"
                            : "no: registered, but the core has not taken it";
                }
                case ComponentConfigurationDTO.FAILED_ACTIVATION -> {
                    return "no: failed to activate: " + (c.failure == null ? "?" : c.failure.lines().findFirst()
                            .orElse("?"));
                }
                default -> {
                    // unsatisfied: said below
                }
            }
        }
        return "no: waiting for a licence grant";
    }

    private static String state(LicenceState s) {
        return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String stateName(int bundleState) {
        return switch (bundleState) {
            case Bundle.ACTIVE -> "Active";
            case Bundle.RESOLVED -> "Resolved";
            case Bundle.INSTALLED -> "Installed";
            case Bundle.STARTING -> "Starting";
            case Bundle.STOPPING -> "Stopping";
            default -> "Uninstalled";
        };
    }

    /** The bundle an enlightenment's class comes from, in OSGi; empty outside it. */
    static Optional<Installed> bundleOf(Enlightenment e) {
        Bundle b = FrameworkUtil.getBundle(e.getClass());
        return b == null ? Optional.empty()
                : Optional.of(new Installed(b.getSymbolicName(), b.getVersion().toString(), stateName(b.getState())));
    }

    /** The known feature names (for completion). */
    public static List<String> features(List<Row> rows) {
        return rows.stream().map(Row::feature).distinct().collect(Collectors.toList());
    }
}
