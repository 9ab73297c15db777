package dev.celadon.shell.internal.completers;

import dev.celadon.management.VmManager;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes --guest: the guest packs present. */
@Service
public class GuestPackCompleter implements Completer {

    @Reference
    VmManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(manager.guestPacks()).complete(session, commandLine, candidates);
    }
}
