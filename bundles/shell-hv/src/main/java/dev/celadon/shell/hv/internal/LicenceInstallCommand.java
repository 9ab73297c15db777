package dev.celadon.shell.hv.internal;

import dev.celadon.licensing.LicenceException;
import dev.celadon.licensing.LicenceStatus;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "license", name = "install", description = "Checks a licence file and installs it (replacing one with the same id).")
@Service
public class LicenceInstallCommand extends LicenceAction {

    @Argument(index = 0, name = "file", description = "The .licence file", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Override
    void run(PrintStream out) {
        Path p = Path.of(file).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new ShellException(p + ": no such file");
        }
        LicenceStatus s;
        try {
            s = service().install(p);
        } catch (LicenceException e) {
            // The service's message already says which check failed and why; nothing was installed.
            throw new ShellException(p + ": not installed: " + e.getMessage());
        }
        out.printf("Installed %s (%s): %s%n", s.id(), s.state().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                s.reason());
        out.println("Features: " + features(s));
    }
}
