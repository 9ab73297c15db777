package dev.celadon.shell.storage.internal;

import dev.celadon.vhd.Vhd;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "vhd", name = "check", description = "Checks a VHD's footer, header, BAT and parent chain (read only).")
@Service
public class CheckCommand extends VhdAction {

    @Argument(index = 0, name = "file", description = "A VHD or raw image", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Override
    void run(PrintStream out) throws Exception {
        Path p = existing(file);
        List<String> problems = Vhd.check(p);
        if (problems.isEmpty()) {
            out.println(p + ": no problems");
            return;
        }
        for (String problem : problems) {
            out.println(problem);
        }
        // Failing the command lets scripts (bin/client "vhd:check ...") tell a damaged disk from a sound one.
        throw new StorageException(p + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems"));
    }
}
