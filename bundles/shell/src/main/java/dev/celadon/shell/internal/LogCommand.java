package dev.celadon.shell.internal;

import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "log", description = "Prints the VM's console output so far (terminal control "
        + "sequences the guest wrote are dropped; --raw keeps them).")
@Service
public class LogCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Option(name = "--raw", description = "Print the console bytes as the guest wrote them, escape sequences and all")
    boolean raw;

    @Override
    void run(PrintStream out) {
        byte[] history = manager.console(name).history();
        String text = raw ? new String(history, StandardCharsets.UTF_8) : ConsoleText.printable(history);
        out.print(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            out.println();
        }
    }
}
