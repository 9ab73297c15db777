package dev.celadon.shell.storage.internal;

import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VhdInfo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Command(scope = "vhd", name = "create", description = "Creates a VHD: fixed, dynamic, or differencing over a parent.",
        detailedDescription = "vhd:create FILE --size S [--type fixed|dynamic] [--parent FILE]. Sizes: 10G, 512M, 64K, "
                + "or bytes (4096); whole 512-byte sectors, at most 2040G. Dynamic (the default) grows as written; "
                + "fixed allocates the whole size (as a sparse file); with --parent the disk is differencing and takes "
                + "the parent's size. Never overwrites.")
@Service
public class CreateCommand extends VhdAction {

    @Argument(index = 0, name = "file", description = "The new VHD file", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Argument(index = 1, name = "options", description = "Options may also follow the file", multiValued = true)
    List<String> trailing;

    @Option(name = "-s", aliases = "--size", description = "Virtual size: 10G, 512M, 64K or bytes (not with --parent)")
    String size;

    @Option(name = "-t", aliases = "--type", description = "dynamic (default) or fixed")
    @Completion(value = StringsCompleter.class, values = {"dynamic", "fixed"})
    String type;

    @Option(name = "-p", aliases = "--parent", description = "Parent VHD: makes a differencing disk")
    @Completion(FileCompleter.class)
    String parent;

    @Override
    void run(PrintStream out) throws Exception {
        parseTrailing("vhd:create", trailing, (opt, value) -> {
            switch (opt) {
                case "-s", "--size" -> size = value;
                case "-t", "--type" -> type = value;
                case "-p", "--parent" -> parent = value;
                default -> {
                    return false;
                }
            }
            return true;
        });
        Path target = fresh(file);
        Vhd.Type kind;
        Path parentPath = null;
        long bytes;
        if (parent != null) {
            if (type != null && !type.equalsIgnoreCase("differencing")) {
                throw new StorageException("--parent makes a differencing disk; --type " + type + " does not go with it");
            }
            parentPath = existing(parent);
            kind = Vhd.Type.DIFFERENCING;
            bytes = size == null ? 0 : DiskSize.parse(size); // the library checks it equals the parent's
        } else {
            kind = parseType(type);
            if (size == null) {
                throw new StorageException("--size is needed, e.g. vhd:create " + file + " --size 10G");
            }
            bytes = DiskSize.parse(size);
        }
        Vhd.create(target, bytes, kind, parentPath);
        VhdInfo info = Vhd.info(target);
        out.printf("Created %s: %s VHD, %s%s%n", target, kind.name().toLowerCase(Locale.ROOT),
                DiskSize.describe(info.virtualSize()),
                parentPath == null ? "" : ", parent " + parentPath);
    }

    private static Vhd.Type parseType(String type) {
        if (type == null) {
            return Vhd.Type.DYNAMIC;
        }
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "dynamic" -> Vhd.Type.DYNAMIC;
            case "fixed" -> Vhd.Type.FIXED;
            case "differencing" -> throw new StorageException("a differencing disk is made with --parent FILE");
            default -> throw new StorageException("unknown type '" + type + "': fixed or dynamic");
        };
    }
}
