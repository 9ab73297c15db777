package dev.celadon.shell.storage.internal;

import dev.celadon.vhd.Vhd;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "vhd", name = "compact", description = "Releases a dynamic or differencing VHD's blocks that add nothing.",
        detailedDescription = "Rewrites the disk without its all-zero blocks (dynamic) or blocks equal to the parent "
                + "(differencing), then replaces it atomically; it reads exactly the same afterwards. The disk must "
                + "not be open for writing (a running VM's disk is refused).")
@Service
public class CompactCommand extends VhdAction {

    @Argument(index = 0, name = "file", description = "A dynamic or differencing VHD", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Override
    void run(PrintStream out) throws Exception {
        Path p = existing(file);
        long before = Files.size(p);
        long released = Vhd.compact(p);
        out.printf("%s: released %s; file %s -> %s%n", p, DiskSize.describe(released), DiskSize.human(before),
                DiskSize.human(Files.size(p)));
    }
}
