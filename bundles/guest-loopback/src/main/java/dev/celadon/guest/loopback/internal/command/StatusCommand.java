package dev.celadon.guest.loopback.internal.command;

import dev.celadon.guest.loopback.StorageIoProgram;
import dev.celadon.guest.loopback.internal.ProgramAssignments;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "loopback", name = "status", description = "Shows what a loopback VM's Java program did: VMBus, storage sessions, I/O, rescinds, its log.")
@Service
public class StatusCommand implements Action {

    @Argument(index = 0, name = "vm", description = "The VM's name", required = true)
    String vm;

    @Reference
    ProgramAssignments assignments;

    @Override
    public Object execute() {
        StorageIoProgram p = assignments.program(vm);
        if (p == null) {
            throw new IllegalStateException("VM " + vm + " has no program assigned by loopback:assign"
                    + (assignments.vms().isEmpty() ? "" : "; assigned: " + String.join(", ", assignments.vms())));
        }
        StorageIoProgram.Status s = p.status();
        row("Program", StorageIoProgram.NAME + (s.running() ? " (running)" : " (not running)"));
        row("VMBus", s.vmbusVersion());
        row("Sessions", s.sessions() + " (" + s.openSessions() + " open)");
        row("Offers", Long.toString(s.offers()));
        row("Rescinds", Long.toString(s.rescinds()));
        row("Writes", Long.toString(s.writes()));
        row("Reads", Long.toString(s.reads()));
        row("Errors", Long.toString(s.errors()));
        s.log().forEach(line -> System.out.println("  " + line));
        return null;
    }

    private static void row(String key, String value) {
        System.out.printf("%-10s %s%n", key, value);
    }
}
