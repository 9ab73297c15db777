package dev.celadon.shell.hv.internal.completers;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionManager;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of live partitions. */
@Service
public class PartitionNameCompleter implements Completer {

    @Reference(optional = true)
    PartitionManager partitions;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter names = new StringsCompleter();
        PartitionManager m = partitions;
        if (m != null) {
            for (Partition p : m.partitions()) {
                names.getStrings().add(p.name());
            }
        }
        return names.complete(session, commandLine, candidates);
    }
}
