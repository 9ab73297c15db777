package dev.celadon.shell.hv.internal;

import dev.celadon.licensing.LicenceService;
import dev.celadon.licensing.LicenceStatus;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "license", name = "list", description = "Lists the installed licences, each checked now.")
@Service
public class LicenceListCommand extends LicenceAction {

    @Override
    void run(PrintStream out) {
        LicenceService s = service();
        List<LicenceStatus> all = s.list();
        out.println("Host id: " + s.hostId());
        if (all.isEmpty()) {
            out.println("No licences installed.");
            return;
        }
        out.printf("%-32s %-14s %-22s %s%n", "ID", "STATE", "UNTIL", "FEATURES");
        for (LicenceStatus l : all) {
            out.printf("%-32s %-14s %-22s %s%n", l.id(), l.state().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    until(l), features(l));
        }
    }
}
