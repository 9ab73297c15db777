package dev.celadon.shell.internal;

import dev.celadon.ic.IcException;
import dev.celadon.ic.IntegrationServices;
import dev.celadon.management.VmException;
import dev.celadon.management.VmInfo;
import dev.celadon.management.VmState;
import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.PrintStream;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * vm:shutdown: the clean counterpart of vm:stop. The guest is asked through the Hyper-V shutdown integration
 * service (Linux: hv_utils) and powers itself off; this waits until the VM is stopped, or says that it did not
 * within the timeout and leaves it running.
 */
@Command(scope = "vm", name = "shutdown", description = "Asks a VM's guest to power off cleanly (Hyper-V shutdown"
        + " integration service) and waits until it has.")
@Service
public class ShutdownCommand extends VmAction {
    /** How long the guest may take to acknowledge the request itself (it answers at once when it is alive). */
    static final long ACK_MILLIS = 10_000;

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    /** Karaf stops reading options at the first argument: {@code vm:shutdown web --timeout 30} too. */
    @Argument(index = 1, name = "options", description = "--timeout SECONDS may also follow the name",
            multiValued = true)
    List<String> trailing;

    @Option(name = "-t", aliases = "--timeout", description = "Seconds to wait for the guest to power off (default 60)")
    int timeout = 60;

    @Reference
    IntegrationServices ic;

    @Override
    void run(PrintStream out) throws InterruptedException {
        List<String> rest = trailing == null ? List.of() : trailing;
        for (int i = 0; i < rest.size(); i++) {
            String t = rest.get(i);
            String value = t.startsWith("--timeout=") ? t.substring(10)
                    : (t.equals("--timeout") || t.equals("-t")) && i + 1 < rest.size() ? rest.get(++i) : null;
            if (value == null) {
                throw new VmException("unknown option or extra argument '" + t + "' (see vm:shutdown --help)");
            }
            try {
                timeout = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new VmException("--timeout takes whole seconds, not '" + value + "'");
            }
        }
        if (timeout < 1 || timeout > 86_400) {
            throw new VmException("--timeout must be 1 to 86400 seconds, not " + timeout);
        }
        VmInfo vm = manager.info(name);
        if (vm.state() != VmState.RUNNING) {
            throw new VmException("VM " + name + " is not running (" + vm.state().name().toLowerCase() + ")");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + timeout * 1_000_000_000L;
        try {
            ic.requestShutdown(name, Math.min(ACK_MILLIS, timeout * 1000L));
        } catch (IcException e) {
            throw new VmException(e.getMessage() + "; use vm:stop " + name + " to power it off");
        }
        out.println("VM " + name + ": the guest accepted the shutdown request; waiting up to " + timeout
                + " s for it to power off");
        while (System.nanoTime() < deadline) {
            vm = manager.info(name);
            if (!vm.state().isActive()) {
                out.printf("VM %s is %s (%.1f s after the request)%s%n", name, vm.state().name().toLowerCase(),
                        (System.nanoTime() - t0) / 1e9, vm.failureReason() != null ? ": " + vm.failureReason() : "");
                return;
            }
            Thread.sleep(100);
        }
        throw new VmException("VM " + name + " did not power off within " + timeout + " s of the shutdown request;"
                + " it is still " + manager.info(name).state().name().toLowerCase() + ". Use vm:stop " + name
                + " to power it off.");
    }
}
