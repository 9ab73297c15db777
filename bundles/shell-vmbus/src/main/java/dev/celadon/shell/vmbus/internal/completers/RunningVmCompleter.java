package dev.celadon.shell.vmbus.internal.completers;

import dev.celadon.management.VmInfo;
import dev.celadon.management.VmManager;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of running VMs: only they have VMBus channels. */
@Service
public class RunningVmCompleter implements Completer {

    @Reference
    public VmManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return names().complete(session, commandLine, candidates);
    }

    public StringsCompleter names() {
        StringsCompleter names = new StringsCompleter();
        for (VmInfo vm : manager.list()) {
            if (vm.state().isActive()) {
                names.getStrings().add(vm.name());
            }
        }
        return names;
    }
}
