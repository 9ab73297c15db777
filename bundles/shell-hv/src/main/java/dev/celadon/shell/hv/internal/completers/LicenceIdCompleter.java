package dev.celadon.shell.hv.internal.completers;

import dev.celadon.licensing.LicenceService;
import dev.celadon.licensing.LicenceStatus;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the ids of installed licences; completes nothing while the licence service is absent. */
@Service
public class LicenceIdCompleter implements Completer {

    /** Optional, like the commands': a completer's mandatory reference would also unregister them. */
    @Reference(optional = true)
    LicenceService licences;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter ids = new StringsCompleter();
        LicenceService s = licences;
        if (s != null) {
            for (LicenceStatus l : s.list()) {
                ids.getStrings().add(l.id());
            }
        }
        return ids.complete(session, commandLine, candidates);
    }
}
