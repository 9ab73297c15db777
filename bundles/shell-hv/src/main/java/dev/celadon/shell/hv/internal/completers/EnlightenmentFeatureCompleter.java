package dev.celadon.shell.hv.internal.completers;

import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.licensing.LicenceService;
import dev.celadon.shell.hv.internal.EnlightenmentTable;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/** Completes the enlightenment features hv:enlightenments knows (components, registered ones, licence grants). */
@Service
public class EnlightenmentFeatureCompleter implements Completer {

    @Reference(optional = true)
    ServiceComponentRuntime scr;

    @Reference(optional = true)
    HyperV hyperV;

    @Reference(optional = true)
    LicenceService licences;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter features = new StringsCompleter();
        features.getStrings().addAll(EnlightenmentTable.features(
                EnlightenmentTable.rows(scr, hyperV, licences, null, e -> java.util.Optional.empty())));
        return features.complete(session, commandLine, candidates);
    }
}
