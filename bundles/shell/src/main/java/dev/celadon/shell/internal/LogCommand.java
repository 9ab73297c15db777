package dev.celadon.shell.internal;

import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "log", description = "Prints the VM's console output so far.")
@Service
public class LogCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Override
    void run(PrintStream out) {
        String text = new String(manager.console(name).history(), StandardCharsets.UTF_8).replace("\r", "");
        out.print(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            out.println();
        }
    }
}
