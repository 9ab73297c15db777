package dev.celadon.shell.hv.internal;

import dev.celadon.licensing.LicenceException;
import dev.celadon.shell.hv.internal.completers.LicenceIdCompleter;
import java.io.PrintStream;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "license", name = "remove", description = "Removes a licence; its grants are withdrawn at once.",
        detailedDescription = "Enlightenments gated by the licence's grants stop for partitions started afterwards; "
                + "running partitions keep the CPUID view they booted with.")
@Service
public class LicenceRemoveCommand extends LicenceAction {

    @Argument(index = 0, name = "id", description = "The licence id", required = true)
    @Completion(LicenceIdCompleter.class)
    String id;

    @Override
    void run(PrintStream out) {
        try {
            service().remove(id);
        } catch (LicenceException e) {
            throw new ShellException("licence '" + id + "' not removed: " + e.getMessage());
        }
        out.println("Removed licence " + id);
    }
}
