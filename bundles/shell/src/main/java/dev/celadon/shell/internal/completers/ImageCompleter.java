package dev.celadon.shell.internal.completers;

import dev.celadon.management.VmManager;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes --image: the bundled image names, or a file path once the word looks like one. */
@Service
public class ImageCompleter implements Completer {

    @Reference
    VmManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String word = commandLine.getCursorArgument();
        if (word != null && (word.startsWith("/") || word.startsWith(".") || word.startsWith("~"))) {
            return new FileCompleter().complete(session, commandLine, candidates);
        }
        return new StringsCompleter(manager.imageNames()).complete(session, commandLine, candidates);
    }
}
