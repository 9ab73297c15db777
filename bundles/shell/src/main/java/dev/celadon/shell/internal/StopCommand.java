package dev.celadon.shell.internal;

import dev.celadon.management.VmInfo;
import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "stop", description = "Powers a VM off (like pulling the plug) and releases its resources.")
@Service
public class StopCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Override
    void run(PrintStream out) {
        VmInfo vm = manager.stop(name);
        out.println("VM " + vm.name() + " is " + vm.state().name().toLowerCase());
    }
}
