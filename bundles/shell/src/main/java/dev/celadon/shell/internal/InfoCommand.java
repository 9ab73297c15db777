package dev.celadon.shell.internal;

import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmInfo;
import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import java.util.Map;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "vm", name = "info", description = "Shows a VM's definition, state and, while it runs, its partition.")
@Service
public class InfoCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Override
    void run(PrintStream out) {
        VmInfo vm = manager.info(name);
        VmDefinition d = vm.definition();
        row(out, "Name", d.name());
        row(out, "State", vm.state().name().toLowerCase() + (vm.since() != null ? " since " + vm.since() : ""));
        if (vm.failureReason() != null) {
            row(out, "Failure", vm.failureReason());
        }
        row(out, "vCPUs", Integer.toString(d.cpus()));
        row(out, "Memory", d.memoryMib() + " MiB");
        if (d.image() != null) {
            row(out, "Image", d.image());
        }
        if (d.kernel() != null) {
            row(out, "Kernel", d.kernel());
        }
        if (d.initrd() != null) {
            row(out, "Initrd", d.initrd());
        }
        if (d.cmdline() != null) {
            row(out, "Cmdline", d.cmdline());
        }
        row(out, "Backend asked", d.backendOrAuto());
        row(out, "Guest pack", d.guestOrDefault());
        for (int i = 0; i < d.disks().size(); i++) {
            row(out, "Disk " + i, d.disks().get(i).toString());
        }
        Map<String, String> runtime = vm.runtime();
        if (!runtime.containsKey("backend")) {
            // Not running: say which backends this host has, so operators know what "auto" will pick.
            for (Map.Entry<String, String> e : manager.hostInfo().entrySet()) {
                if (e.getKey().startsWith("backend.") || e.getKey().equals("auto-backend")) {
                    row(out, e.getKey(), e.getValue());
                }
            }
        }
        for (Map.Entry<String, String> e : runtime.entrySet()) {
            row(out, e.getKey(), e.getValue());
        }
    }

    private static void row(PrintStream out, String key, String value) {
        out.printf("%-20s %s%n", key, value);
    }
}
