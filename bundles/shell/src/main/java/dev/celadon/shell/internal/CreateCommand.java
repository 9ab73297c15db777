package dev.celadon.shell.internal;

import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmInfo;
import dev.celadon.shell.internal.completers.BackendCompleter;
import dev.celadon.shell.internal.completers.GuestPackCompleter;
import dev.celadon.shell.internal.completers.ImageCompleter;
import java.io.PrintStream;
import dev.celadon.management.VmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "vm", name = "create", description = "Defines a new VM (it is not started).",
        detailedDescription = "Defines a VM and stores its definition, which survives restarts. Boot either a named "
                + "image (demo: the demo micro-guest; linux: Debian's cloud kernel from the guest kit, fetched on "
                + "first use; java: the Java program assigned to a loopback VM, with --backend loopback) or a kernel "
                + "file (a PVH ELF or a bzImage), with --image FILE or --kernel FILE.")
@Service
public class CreateCommand extends VmAction {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    String name;

    /**
     * Karaf's parser stops reading options at the first argument; operators write
     * {@code vm:create NAME --cpus 2} as with virt-install and New-VM, so options after the name are read here.
     */
    @Argument(index = 1, name = "options", description = "Options may also follow the name", multiValued = true)
    List<String> trailing;

    @Option(name = "-c", aliases = "--cpus", description = "Number of virtual processors (default 1)")
    int cpus = 1;

    @Option(name = "-m", aliases = "--memory", description = "Memory in MiB (default 256)")
    long memoryMib = 256;

    @Option(name = "-i", aliases = "--image",
            description = "demo, linux, java (a loopback VM's Java guest), or the path of a kernel file")
    @Completion(ImageCompleter.class)
    String image;

    @Option(name = "-k", aliases = "--kernel", description = "Kernel file (PVH ELF or bzImage), instead of --image")
    @Completion(FileCompleter.class)
    String kernel;

    @Option(name = "-r", aliases = "--initrd", description = "Initial ramdisk file")
    @Completion(FileCompleter.class)
    String initrd;

    @Option(name = "-l", aliases = "--cmdline", description = "Kernel command line")
    String cmdline;

    @Option(name = "-b", aliases = "--backend", description = "auto (default: KVM where usable, else the emulator), "
            + "kvm, emulator")
    @Completion(BackendCompleter.class)
    String backend;

    @Option(name = "-g", aliases = "--guest", description = "The guest pack: the Hyper-V profile the guest is given "
            + "(linux, the default; windows; or another pack present)")
    @Completion(GuestPackCompleter.class)
    String guest;

    @Option(name = "-d", aliases = "--disk", description = "A disk image (VHD or raw) the guest sees as a SCSI disk: "
            + "FILE, or FILE:ro for read-only; repeat for more disks", multiValued = true)
    @Completion(FileCompleter.class)
    List<String> disks;

    private void parseTrailing() {
        if (trailing == null) {
            return;
        }
        for (int i = 0; i < trailing.size(); i++) {
            String opt = trailing.get(i);
            if (i + 1 >= trailing.size()) {
                throw new VmException("option " + opt + " needs a value (see vm:create --help)");
            }
            String value = trailing.get(++i);
            try {
                switch (opt) {
                    case "-c", "--cpus" -> cpus = Integer.parseInt(value);
                    case "-m", "--memory" -> memoryMib = Long.parseLong(value);
                    case "-i", "--image" -> image = value;
                    case "-k", "--kernel" -> kernel = value;
                    case "-r", "--initrd" -> initrd = value;
                    case "-l", "--cmdline" -> cmdline = value;
                    case "-b", "--backend" -> backend = value;
                    case "-g", "--guest" -> guest = value;
                    case "-d", "--disk" -> {
                        disks = disks == null ? new ArrayList<>() : new ArrayList<>(disks);
                        disks.add(value);
                    }
                    default -> throw new VmException("unknown option or extra argument '" + opt + "' (see vm:create --help)");
                }
            } catch (NumberFormatException e) {
                throw new VmException(opt + " takes a whole number, not '" + value + "'");
            }
        }
    }

    @Override
    void run(PrintStream out) {
        parseTrailing();
        if (image == null && kernel == null) {
            image = VmDefinition.IMAGE_DEMO;
        }
        List<VmDefinition.Disk> diskList = new ArrayList<>();
        for (String spec : disks == null ? List.<String>of() : disks) {
            diskList.add(AttachDiskCommand.absolute(VmDefinition.Disk.parse(spec)));
        }
        VmInfo vm = manager.create(new VmDefinition(name, cpus, memoryMib, absoluteIfFile(image),
                absoluteIfFile(kernel), absoluteIfFile(initrd), cmdline,
                backend == null || VmDefinition.BACKEND_AUTO.equals(backend) ? null : backend, diskList,
                guest == null || guest.isBlank() ? null : guest));
        out.printf("VM %s created: %d vCPU(s), %d MiB, boots %s, backend %s, guest %s%s%n", vm.name(),
                vm.definition().cpus(), vm.definition().memoryMib(), vm.definition().bootSource(),
                vm.definition().backendOrAuto(), vm.definition().guestOrDefault(),
                vm.definition().disks().isEmpty() ? "" : ", disks " + vm.definition().disks());
    }

    /** Files are stored by absolute path, so the definition means the same whatever the shell's directory. */
    private String absoluteIfFile(String s) {
        if (s == null || manager.imageNames().contains(s)) {
            return s;
        }
        if (!s.contains("/") && !Files.exists(Path.of(s))) {
            return s; // not a file: management answers with the list of image names
        }
        return Path.of(s).toAbsolutePath().normalize().toString();
    }
}
