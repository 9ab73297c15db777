package dev.celadon.shell.internal;

import dev.celadon.management.VmInfo;
import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "vm", name = "detach-disk", description = "Removes a disk from a VM (the file is kept).",
        detailedDescription = "DISK is the disk's file or its number as vm:info shows it (Disk 0, Disk 1, ...). "
                + "On a running VM the disk is rescinded from the guest at once (hot remove).")
@Service
public class DetachDiskCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Argument(index = 1, name = "disk", description = "The disk's file or number", required = true)
    @Completion(FileCompleter.class)
    String disk;

    @Override
    void run(PrintStream out) {
        String which = disk.matches("\\d{1,3}") ? disk : Path.of(disk).toAbsolutePath().normalize().toString();
        VmInfo vm = manager.detachDisk(name, which);
        out.printf("VM %s: disk %s detached; %d disk(s) left%n", vm.name(), disk, vm.definition().disks().size());
    }
}
