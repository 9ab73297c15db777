package dev.celadon.guest.loopback.internal.command;

import dev.celadon.guest.loopback.StorageIoProgram;
import dev.celadon.guest.loopback.internal.ProgramAssignments;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "loopback", name = "assign", description = "Assigns a Java guest program to a loopback VM (vm:create NAME --backend loopback --image java); it runs at each vm:start.")
@Service
public class AssignCommand implements Action {

    @Argument(index = 0, name = "vm", description = "The VM's name", required = true)
    String vm;

    @Argument(index = 1, name = "program", description = "The program: storage-io (I/O on every synthetic SCSI disk)")
    String program = StorageIoProgram.NAME;

    @Reference
    ProgramAssignments assignments;

    @Override
    public Object execute() {
        try {
            assignments.assign(vm, program);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        System.out.println("Program " + program + " assigned to " + vm + "; it runs from the next vm:start " + vm);
        return null;
    }
}
