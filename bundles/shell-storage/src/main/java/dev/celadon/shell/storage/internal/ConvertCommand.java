package dev.celadon.shell.storage.internal;

import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VhdInfo;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.Terminal;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Command(scope = "vhd", name = "convert", description = "Copies a raw image or any VHD into a new raw, fixed or dynamic image.",
        detailedDescription = "vhd:convert IN OUT --type raw|fixed|dynamic. A differencing disk is flattened (its "
                + "parents' data included). Zero sectors are not written, so raw and dynamic outputs are sparse. OUT "
                + "must not exist; it appears only when complete.")
@Service
public class ConvertCommand extends VhdAction {

    @Argument(index = 0, name = "in", description = "The source: raw image or VHD", required = true)
    @Completion(FileCompleter.class)
    String in;

    @Argument(index = 1, name = "out", description = "The new image (must not exist)", required = true)
    @Completion(FileCompleter.class)
    String out;

    @Argument(index = 2, name = "options", description = "Options may also follow the files", multiValued = true)
    List<String> trailing;

    @Option(name = "-t", aliases = "--type", description = "raw, fixed or dynamic", required = false)
    @Completion(value = StringsCompleter.class, values = {"raw", "fixed", "dynamic"})
    String type;

    /** The shell session, for its terminal; absent outside a session (then output is plain lines). */
    @Reference(optional = true)
    Session session;

    /** Tests decide; in a session the terminal does. */
    Boolean terminal;

    @Override
    void run(PrintStream ps) throws Exception {
        parseTrailing("vhd:convert", trailing, (opt, value) -> {
            if (opt.equals("-t") || opt.equals("--type")) {
                type = value;
                return true;
            }
            return false;
        });
        if (type == null) {
            throw new StorageException("--type is needed: raw, fixed or dynamic");
        }
        Vhd.Type kind = switch (type.toLowerCase(Locale.ROOT)) {
            case "raw" -> Vhd.Type.RAW;
            case "fixed" -> Vhd.Type.FIXED;
            case "dynamic" -> Vhd.Type.DYNAMIC;
            default -> throw new StorageException("unknown type '" + type + "': raw, fixed or dynamic");
        };
        Path src = existing(in);
        Path dst = fresh(out);
        if (src.equals(dst)) {
            throw new StorageException("input and output are the same file");
        }
        VhdInfo from = Vhd.info(src);
        ps.printf("Converting %s (%s, %s) to %s (%s)%n", src, from.type().name().toLowerCase(Locale.ROOT),
                DiskSize.describe(from.virtualSize()), dst, kind.name().toLowerCase(Locale.ROOT));
        ps.flush();
        ProgressBar bar = new ProgressBar(ps, onTerminal(), System::nanoTime);
        long t0 = System.nanoTime();
        try {
            Vhd.convert(src, dst, kind, bar);
        } catch (Exception e) {
            bar.abandon();
            throw e;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        ps.printf(Locale.ROOT, "Wrote %s: %s, file %s, in %.1f s%n", dst, DiskSize.describe(Vhd.info(dst).virtualSize()),
                DiskSize.human(Files.size(dst)), seconds);
    }

    private boolean onTerminal() {
        if (terminal != null) {
            return terminal;
        }
        Terminal t = session == null ? null : session.getTerminal();
        // "dumb" is what Karaf's SSH server reports for a command passed on the client's command line.
        return t != null && t.getWidth() > 0 && !"dumb".equalsIgnoreCase(t.getType());
    }
}
