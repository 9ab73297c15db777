package dev.celadon.shell.internal.completers;

import dev.celadon.management.VmInfo;
import dev.celadon.management.VmManager;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of defined VMs. */
@Service
public class VmNameCompleter implements Completer {

    @Reference
    VmManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter();
        for (VmInfo vm : manager.list()) {
            names.getStrings().add(vm.name());
        }
        return names.complete(session, commandLine, candidates);
    }
}
