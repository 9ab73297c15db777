package dev.celadon.shell.hv.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.licensing.LicenceGrant;
import dev.celadon.licensing.LicenceState;
import dev.celadon.shell.hv.internal.EnlightenmentTable.Installed;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.dto.BundleDTO;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.SatisfiedReferenceDTO;
import org.osgi.framework.dto.ServiceReferenceDTO;

/**
 * hv:enlightenments over the three things it reads, each as small as the command needs: the DS runtime's view of
 * the enlightenment components ({@link Scr}, the DTOs SCR hands out), the core's registered enlightenments (real
 * {@link Enlightenment} objects in a list) and the licences ({@link MemoryLicences}). The licence gate itself
 * (DS activating a component on its grant) is the licensing and enlightenment bundles' tests and the itests'.
 */
class EnlightenmentsCommandTest {

    private static final String TIMING = "dev.celadon.enlightenment.timing";
    private static final String STIMER = "dev.celadon.enlightenment.stimer";
    private static final String CRASH = "dev.celadon.enlightenment.crash";

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final MemoryLicences licences = new MemoryLicences();
    private final Scr scr = new Scr();
    private final List<Enlightenment> registered = new CopyOnWriteArrayList<>();
    private final HyperV hyperV = new HyperV() {
        @Override
        public Optional<HvPartition> of(Partition partition) {
            return Optional.empty();
        }

        @Override
        public List<Enlightenment> enlightenments() {
            return List.copyOf(registered);
        }
    };
    private final List<Installed> bundles = new ArrayList<>(List.of(new Installed(TIMING, "1.0.0", "Active"),
            new Installed(STIMER, "1.0.0", "Active"), new Installed(CRASH, "1.0.0", "Active")));

    private EnlightenmentsCommand command() {
        EnlightenmentsCommand c = new EnlightenmentsCommand() {
            @Override
            List<Installed> installed() {
                return bundles; // what the framework would list
            }
        };
        c.scr = scr.runtime();
        c.hyperV = hyperV;
        c.licences = licences;
        return c;
    }

    /** Runs the command; its table as feature -> the rest of the line. */
    private Map<String, String> table(EnlightenmentsCommand c) {
        bytes.reset();
        c.run(out);
        return lines(output());
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Feature -> the rest of its line (columns squeezed to one space), header checked. */
    private static Map<String, String> lines(String text) {
        String[] l = text.split("\n");
        assertTrue(l[0].matches("FEATURE\\s+PROVIDER\\s+LICENCE\\s+ACTIVE"), text);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i < l.length; i++) {
            String[] f = l[i].trim().split("\\s+", 2);
            m.merge(f[0], f[1].replaceAll("\\s{2,}", " | "), (a, b) -> a + " || " + b);
        }
        return m;
    }

    /** The licence of each enlightenment the build signs, each component active and registered, as in the distribution. */
    private void allLicensedAndActive() {
        licences.put("celadon-dev-hv-timing", LicenceState.VALID, "hv-timing");
        licences.put("celadon-dev-hv-stimer", LicenceState.VALID, "hv-stimer");
        licences.put("celadon-dev-hv-crash", LicenceState.VALID, "hv-crash");
        licences.put("celadon-dev-hv-synic", LicenceState.VALID, "hv-synic");
        scr.component(TIMING, "hv-timing", "celadon-dev-hv-timing");
        scr.component(STIMER, "hv-stimer", "celadon-dev-hv-stimer");
        scr.component(CRASH, "hv-crash", "celadon-dev-hv-crash");
        registered.add(new Fixed("hv-timing"));
        registered.add(new Fixed("hv-stimer", "hv-timing"));
        registered.add(new Fixed("hv-crash"));
    }

    @Test
    void registeredAndLicensedButUnregisteredBothShow() {
        allLicensedAndActive();
        Map<String, String> t = table(command());
        assertEquals(List.of("hv-crash", "hv-stimer", "hv-synic", "hv-timing"), List.copyOf(t.keySet()), output());
        assertEquals(TIMING + "/1.0.0 | celadon-dev-hv-timing | yes", t.get("hv-timing"));
        assertEquals(STIMER + "/1.0.0 | celadon-dev-hv-stimer | yes", t.get("hv-stimer"));
        assertEquals(CRASH + "/1.0.0 | celadon-dev-hv-crash | yes", t.get("hv-crash"));
        // Licensed, no bundle: the licence is listed, nothing registers it.
        assertEquals("none (licensed to dev.celadon.enlightenment.synic, not installed) | celadon-dev-hv-synic | "
                + "no: no bundle provides it", t.get("hv-synic"));
    }

    /** license:remove: DS deactivates the component, the core drops it; the others stay. */
    @Test
    void aRemovedLicenceLeavesItsComponentWaiting() throws Exception {
        allLicensedAndActive();
        licences.remove("celadon-dev-hv-stimer");
        scr.unsatisfy(STIMER);
        registered.removeIf(e -> e.feature().equals("hv-stimer"));
        Map<String, String> t = table(command());
        assertEquals(STIMER + "/1.0.0 | none | no: waiting for a licence grant", t.get("hv-stimer"));
        assertEquals(TIMING + "/1.0.0 | celadon-dev-hv-timing | yes", t.get("hv-timing"));
        assertEquals(CRASH + "/1.0.0 | celadon-dev-hv-crash | yes", t.get("hv-crash"));

        // Without timing, the timers register but the core leaves them out of partitions: said so.
        scr.component(STIMER, "hv-stimer", "celadon-dev-hv-stimer");
        registered.add(new Fixed("hv-stimer", "hv-timing"));
        registered.removeIf(e -> e.feature().equals("hv-timing"));
        scr.unsatisfy(TIMING);
        licences.remove("celadon-dev-hv-timing");
        t = table(command());
        assertEquals(STIMER + "/1.0.0 | celadon-dev-hv-stimer | yes, but left out of partitions: needs hv-timing, "
                + "not active", t.get("hv-stimer"));
        assertEquals(TIMING + "/1.0.0 | none | no: waiting for a licence grant", t.get("hv-timing"));
    }

    @Test
    void licenceStatesAndBundleStates() {
        // An expired licence for crash, a timing licence for [1.0,2) while timing 2.0.0 is installed, and the
        // stimer bundle installed but stopped (its components are not in DS then).
        licences.put("old-crash", LicenceState.EXPIRED, "hv-crash");
        licences.put("t-1", LicenceState.VALID, "hv-timing");
        licences.put("s-1", LicenceState.VALID, "hv-stimer");
        scr.component(CRASH, "hv-crash", null);
        scr.component(TIMING, "hv-timing", null);
        scr.bundleVersion(TIMING, "2.0.0");
        bundles.replaceAll(b -> b.symbolicName().equals(STIMER) ? new Installed(STIMER, "1.0.0", "Resolved") : b);
        Map<String, String> t = table(command());
        assertEquals(CRASH + "/1.0.0 | expired old-crash | no: waiting for a licence grant", t.get("hv-crash"));
        assertEquals(TIMING + "/2.0.0 | none | no: waiting for a licence grant", t.get("hv-timing"));
        assertEquals(STIMER + "/1.0.0 | s-1 | no: bundle resolved, not started", t.get("hv-stimer"));

        // Failed activation: DS's own failure text, first line.
        scr.fail(CRASH, "java.lang.IllegalStateException: no TSC\n\tat x.y");
        t = table(command());
        assertEquals(CRASH + "/1.0.0 | expired old-crash | no: failed to activate: java.lang.IllegalStateException: "
                + "no TSC", t.get("hv-crash"));

        // A valid licence wins over the expired one listed before it.
        licences.put("z-crash", LicenceState.VALID, "hv-crash");
        assertTrue(table(command()).get("hv-crash").startsWith(CRASH + "/1.0.0 | z-crash | no: failed"), output());
    }

    @Test
    void oneFeatureAndUnknownOnes() {
        allLicensedAndActive();
        EnlightenmentsCommand c = command();
        c.feature = "hv-stimer";
        Map<String, String> t = table(c);
        assertEquals(Set.of("hv-stimer"), t.keySet());
        assertTrue(output().lines().anyMatch(l -> l.matches("hv-stimer\\s+" + STIMER + "/1\\.0\\.0\\s+celadon-dev-hv-stimer\\s+yes")),
                output());
        assertEquals(2, output().lines().count(), output());
        assertEquals(List.of("hv-crash", "hv-stimer", "hv-synic", "hv-timing"), EnlightenmentTable.features(
                EnlightenmentTable.rows(scr.runtime(), hyperV, licences, null, e -> Optional.empty())));
        c.feature = "hv-nope";
        assertTrue(assertThrows(ShellException.class, () -> c.run(out)).getMessage()
                .startsWith("no enlightenment feature 'hv-nope' is known"));
    }

    @Test
    void absentServicesAreSaid() {
        allLicensedAndActive();
        EnlightenmentsCommand c = command();
        c.hyperV = null;
        c.licences = null;
        bytes.reset();
        c.run(out);
        String text = output();
        assertTrue(text.contains("the hypervisor core is not running"), text);
        // Without the core nothing is active, though DS registered the services; without licences, unknown.
        assertTrue(text.lines().anyMatch(l -> l.matches("hv-timing\\s+" + TIMING + "/1\\.0\\.0\\s+celadon-dev-hv-timing\\s+"
                + "registered \\(the core's HyperV service is absent\\)")), text);
        assertTrue(text.lines().noneMatch(l -> l.startsWith("hv-synic")), "synic is known only from its licence: " + text);

        EnlightenmentsCommand none = new EnlightenmentsCommand();
        bytes.reset();
        none.run(out);
        assertTrue(output().contains("DS runtime (ServiceComponentRuntime) is absent"), output());
        assertTrue(output().contains("No enlightenments are known"), output());
    }

    /** The feature is read from the reference target exactly as the enlightenment bundles write it. */
    @Test
    void featureFromTheLicenceFilter() {
        assertEquals(Optional.of("hv-timing"), EnlightenmentTable.featureOf(
                "(&(celadon.feature=hv-timing)(celadon.licensee.bsn=dev.celadon.enlightenment.timing))"));
        assertEquals(Optional.empty(), EnlightenmentTable.featureOf("(celadon.feature=hv-*)"));
        assertEquals(Optional.empty(), EnlightenmentTable.featureOf(null));
    }

    /** An enlightenment as the core lists it; only feature() and requires() are read. */
    private record Fixed(String feature, String... needs) implements Enlightenment {
        @Override
        public Set<String> requires() {
            return Set.of(needs);
        }

        @Override
        public HvCpuidBits cpuid() {
            return HvCpuidBits.NONE;
        }

        @Override
        public Optional<EnlightenmentInstance> attach(EnlightenedPartition partition) {
            return Optional.empty();
        }
    }

    /** The DS runtime's answers: one description per enlightenment bundle, its configuration's state. */
    private static final class Scr {
        final Map<String, ComponentDescriptionDTO> descriptions = new LinkedHashMap<>();
        final Map<String, ComponentConfigurationDTO> configurations = new HashMap<>();

        /** A component providing Enlightenment gated like the real ones; bound to {@code licence}, or unsatisfied. */
        void component(String bsn, String feature, String licence) {
            ComponentDescriptionDTO d = new ComponentDescriptionDTO();
            d.name = bsn + ".internal.Component";
            d.bundle = new BundleDTO();
            d.bundle.symbolicName = bsn;
            d.bundle.version = "1.0.0";
            d.bundle.state = Bundle.ACTIVE;
            d.serviceInterfaces = new String[] {Enlightenment.class.getName()};
            d.defaultEnabled = true;
            ReferenceDTO r = new ReferenceDTO();
            r.name = "licence";
            r.interfaceName = LicenceGrant.class.getName();
            r.target = "(&(celadon.feature=" + feature + ")(celadon.licensee.bsn=" + bsn + "))";
            d.references = new ReferenceDTO[] {r};
            descriptions.put(bsn, d);
            ComponentConfigurationDTO c = new ComponentConfigurationDTO();
            c.description = d;
            if (licence == null) {
                c.state = ComponentConfigurationDTO.UNSATISFIED_REFERENCE;
                c.satisfiedReferences = new SatisfiedReferenceDTO[0];
            } else {
                c.state = ComponentConfigurationDTO.ACTIVE;
                SatisfiedReferenceDTO s = new SatisfiedReferenceDTO();
                s.name = "licence";
                ServiceReferenceDTO grant = new ServiceReferenceDTO();
                grant.properties = Map.of(LicenceGrant.FEATURE, feature, LicenceGrant.LICENSEE_BSN, bsn,
                        LicenceGrant.LICENCE_ID, licence);
                s.boundServices = new ServiceReferenceDTO[] {grant};
                c.satisfiedReferences = new SatisfiedReferenceDTO[] {s};
            }
            configurations.put(bsn, c);
        }

        void unsatisfy(String bsn) {
            ComponentConfigurationDTO c = configurations.get(bsn);
            c.state = ComponentConfigurationDTO.UNSATISFIED_REFERENCE;
            c.satisfiedReferences = new SatisfiedReferenceDTO[0];
        }

        void fail(String bsn, String failure) {
            ComponentConfigurationDTO c = configurations.get(bsn);
            c.state = ComponentConfigurationDTO.FAILED_ACTIVATION;
            c.failure = failure;
        }

        void bundleVersion(String bsn, String version) {
            descriptions.get(bsn).bundle.version = version;
        }

        /** The DS runtime as the command calls it: the descriptions, and each one's configurations. */
        ServiceComponentRuntime runtime() {
            return (ServiceComponentRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ServiceComponentRuntime.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "getComponentDescriptionDTOs" -> List.copyOf(descriptions.values());
                        case "getComponentConfigurationDTOs" -> configurations.values().stream()
                                .filter(c -> c.description == args[0]).collect(Collectors.toList());
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }
}
