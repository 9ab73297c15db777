package dev.celadon.shell.hv.internal;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceStatus;
import dev.celadon.shell.hv.internal.completers.LicenceIdCompleter;
import java.io.PrintStream;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "license", name = "show", description = "Shows one licence: its state, why, its period and grants.")
@Service
public class LicenceShowCommand extends LicenceAction {

    @Argument(index = 0, name = "id", description = "The licence id", required = true)
    @Completion(LicenceIdCompleter.class)
    String id;

    @Override
    void run(PrintStream out) {
        LicenceStatus s = service().show(id)
                .orElseThrow(() -> new ShellException("no licence with id '" + id + "' (license:list shows them)"));
        row(out, "Id", s.id());
        row(out, "State", s.state().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        row(out, "Reason", s.reason());
        row(out, "File", s.file().toString());
        if (s.licence().isEmpty()) {
            return; // not verified: nothing of an unauthenticated document is shown (the licensing rule)
        }
        Licence l = s.licence().get();
        row(out, "Licensee", l.licensee());
        row(out, "Issuer", l.issuer());
        row(out, "Not before", l.notBefore().toString());
        row(out, "Not after", l.notAfter().toString());
        row(out, "Host", l.host().orElse("any"));
        for (Grant g : l.grants()) {
            row(out, "Grant", g.feature() + " -> " + g.bundle() + g.versionRange().map(r -> " " + r).orElse(""));
        }
    }
}
