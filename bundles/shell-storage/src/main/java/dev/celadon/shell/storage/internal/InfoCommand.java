package dev.celadon.shell.storage.internal;

import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VhdInfo;
import java.io.PrintStream;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;

@Command(scope = "vhd", name = "info", description = "Shows what a VHD (or raw image) says about itself.")
@Service
public class InfoCommand extends VhdAction {

    @Argument(index = 0, name = "file", description = "A VHD or raw image", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Override
    void run(PrintStream out) throws Exception {
        VhdInfo i = Vhd.info(existing(file));
        row(out, "File", i.path().toString());
        row(out, "Type", i.type().name().toLowerCase(Locale.ROOT));
        row(out, "Virtual size", DiskSize.describe(i.virtualSize()));
        row(out, "File size", DiskSize.describe(i.fileSize()));
        if (i.blockSize() > 0) {
            row(out, "Block size", DiskSize.human(i.blockSize()));
            row(out, "Blocks", i.allocatedBlocks() + " of " + i.totalBlocks() + " allocated");
        }
        if (i.uuid() != null) {
            row(out, "Unique id", i.uuid().toString());
        }
        if (i.created() != null) {
            row(out, "Time stamp", i.created().toString());
        }
        if (i.creator() != null) {
            row(out, "Creator", i.creator());
        }
        if (i.type() == Vhd.Type.DIFFERENCING) {
            // A missing parent is shown, not refused: the operator is most likely asking because it went missing.
            row(out, "Parent", i.parent() != null ? i.parent().toString()
                    : "NOT FOUND (recorded name " + i.parentName() + ")");
            row(out, "Parent name", String.valueOf(i.parentName()));
            row(out, "Parent id", String.valueOf(i.parentUuid()));
        }
    }

    private static void row(PrintStream out, String key, String value) {
        out.printf("%-16s %s%n", key, value);
    }
}
