package dev.celadon.shell.internal;

import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import dev.celadon.management.VmInfo;
import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "vm", name = "attach-disk", description = "Adds a disk image (VHD or raw) to a VM.",
        detailedDescription = "The disk is kept in the VM's definition; the guest sees it as a SCSI disk (a VMBus "
                + "storage controller with the disk as LUN 0). On a running VM it is offered to the guest at once "
                + "(hot add), otherwise from the next start.")
@Service
public class AttachDiskCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Argument(index = 1, name = "file", description = "The disk image", required = true)
    @Completion(FileCompleter.class)
    String file;

    /** Karaf stops reading options at the first argument: {@code vm:attach-disk web d.vhd --readonly} too. */
    @Argument(index = 2, name = "options", description = "--readonly may also follow the file", multiValued = true)
    List<String> trailing;

    @Option(name = "-r", aliases = "--readonly", description = "The guest may only read the disk")
    boolean readOnly;

    @Override
    void run(PrintStream out) {
        for (String t : trailing == null ? List.<String>of() : trailing) {
            if (t.equals("-r") || t.equals("--readonly")) {
                readOnly = true;
            } else {
                throw new VmException("unknown option or extra argument '" + t + "' (see vm:attach-disk --help)");
            }
        }
        VmInfo vm = manager.attachDisk(name, absolute(new VmDefinition.Disk(file, readOnly)));
        List<VmDefinition.Disk> disks = vm.definition().disks();
        out.printf("VM %s: disk %d is %s%n", vm.name(), disks.size() - 1, disks.get(disks.size() - 1));
    }

    /** Disks are stored by absolute path, so the definition means the same whatever the shell's directory. */
    static VmDefinition.Disk absolute(VmDefinition.Disk d) {
        if (d.path() == null || d.path().isBlank()) {
            throw new VmException("a disk without a file name");
        }
        return new VmDefinition.Disk(Path.of(d.path()).toAbsolutePath().normalize().toString(), d.readOnly());
    }
}
