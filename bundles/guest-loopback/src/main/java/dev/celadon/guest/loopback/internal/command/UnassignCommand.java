package dev.celadon.guest.loopback.internal.command;

import dev.celadon.guest.loopback.internal.ProgramAssignments;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "loopback", name = "unassign", description = "Withdraws a loopback VM's program (a running VM keeps running it until it stops).")
@Service
public class UnassignCommand implements Action {

    @Argument(index = 0, name = "vm", description = "The VM's name", required = true)
    String vm;

    @Reference
    ProgramAssignments assignments;

    @Override
    public Object execute() {
        if (!assignments.unassign(vm)) {
            throw new IllegalStateException("VM " + vm + " has no program assigned by loopback:assign");
        }
        System.out.println("Program of " + vm + " withdrawn");
        return null;
    }
}
