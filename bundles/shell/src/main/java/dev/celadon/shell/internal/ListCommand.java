package dev.celadon.shell.internal;

import dev.celadon.management.VmInfo;
import java.io.PrintStream;
import java.util.Map;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "vm", name = "list", description = "Lists the VMs with their state.")
@Service
public class ListCommand extends VmAction {

    @Override
    void run(PrintStream out) {
        ShellTable table = new ShellTable();
        table.column("Name");
        table.column("State");
        table.column("vCPUs").alignRight();
        table.column("Memory (MiB)").alignRight();
        table.column("Boots");
        table.column("Backend");
        for (VmInfo vm : manager.list()) {
            table.addRow().addContent(vm.name(), vm.state().name().toLowerCase(), vm.definition().cpus(),
                    vm.definition().memoryMib(), vm.definition().bootSource(),
                    vm.runtime().getOrDefault("backend", vm.definition().backendOrAuto()));
        }
        table.print(out);
        for (Map.Entry<String, String> p : manager.loadProblems().entrySet()) {
            out.println("Skipped definition " + p.getKey() + ": " + p.getValue());
        }
    }
}
