package dev.celadon.shell.internal;

import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "send", description = "Types text and a newline into the VM's console.")
@Service
public class SendCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Argument(index = 1, name = "text", description = "The text to type (several words are joined by spaces)",
            required = true, multiValued = true)
    List<String> text;

    @Override
    void run(PrintStream out) {
        manager.console(name).type((String.join(" ", text) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
