package dev.celadon.shell.internal;

import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "delete", description = "Deletes a VM's definition.")
@Service
public class DeleteCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Option(name = "-f", aliases = "--force", description = "Power the VM off first if it is running")
    boolean force;

    @Override
    void run(PrintStream out) {
        manager.delete(name, force);
        out.println("VM " + name + " deleted");
    }
}
