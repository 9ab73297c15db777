package dev.celadon.shell.hv.internal;

import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.licensing.LicenceService;
import dev.celadon.shell.hv.internal.EnlightenmentTable.Installed;
import dev.celadon.shell.hv.internal.EnlightenmentTable.Row;
import dev.celadon.shell.hv.internal.completers.EnlightenmentFeatureCompleter;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

@Command(scope = "hv", name = "enlightenments", description = "Lists the host enlightenments: feature, provider bundle, licence, active.",
        detailedDescription = "One line per known enlightenment feature: the bundle that provides it "
                + "(symbolic name/version), the valid licence that grants it (or none, expired, ...), and whether it "
                + "is active, i.e. registered now, so that partitions created from now on get it. Features come "
                + "from the DS components providing Enlightenment, from the core's registered enlightenments and "
                + "from the licences' grants. Running partitions keep what they were created with (hv:partition).")
@Service
public class EnlightenmentsCommand extends HvAction {

    @Argument(index = 0, name = "feature", description = "Only this feature (e.g. hv-timing)", required = false)
    @Completion(EnlightenmentFeatureCompleter.class)
    String feature;

    /** All optional (trap 6): each missing one is said in the table instead. */
    @Reference(optional = true)
    ServiceComponentRuntime scr;

    @Reference(optional = true)
    HyperV hyperV;

    @Reference(optional = true)
    LicenceService licences;

    /** Injected by Karaf's shell (never tracked as a service); null outside OSGi. */
    @Reference(optional = true)
    BundleContext bundleContext;

    @Override
    void run(PrintStream out) {
        List<Row> rows = EnlightenmentTable.rows(scr, hyperV, licences, installed(),
                EnlightenmentTable::bundleOf);
        if (feature != null) {
            rows = rows.stream().filter(r -> r.feature().equals(feature)).toList();
            if (rows.isEmpty()) {
                throw new ShellException("no enlightenment feature '" + feature + "' is known (no component provides "
                        + "it, none is registered, no licence grants it)");
            }
        }
        if (scr == null) {
            out.println("Note: the DS runtime (ServiceComponentRuntime) is absent: enlightenments that are not "
                    + "registered may be missing below.");
        }
        if (hyperV == null) {
            out.println("Note: the hypervisor core is not running (no HyperV service): nothing is active.");
        }
        if (rows.isEmpty()) {
            out.println("No enlightenments are known (none installed, none licensed).");
            return;
        }
        print(out, rows);
    }

    static void print(PrintStream out, List<Row> rows) {
        int f = "FEATURE".length();
        int p = "PROVIDER".length();
        int l = "LICENCE".length();
        for (Row r : rows) {
            f = Math.max(f, r.feature().length());
            p = Math.max(p, r.provider().length());
            l = Math.max(l, r.licence().length());
        }
        String format = "%-" + f + "s  %-" + p + "s  %-" + l + "s  %s%n";
        out.printf(format, "FEATURE", "PROVIDER", "LICENCE", "ACTIVE");
        for (Row r : rows) {
            out.printf(format, r.feature(), r.provider(), r.licence(), r.active());
        }
    }

    /** The installed bundles, null outside OSGi. */
    List<Installed> installed() {
        BundleContext context = bundleContext;
        if (context == null) {
            return null;
        }
        List<Installed> l = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null) {
                l.add(new Installed(b.getSymbolicName(), b.getVersion().toString(),
                        EnlightenmentTable.stateName(b.getState())));
            }
        }
        return l;
    }
}
