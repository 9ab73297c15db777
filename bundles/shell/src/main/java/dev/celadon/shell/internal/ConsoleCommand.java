package dev.celadon.shell.internal;

import dev.celadon.management.VmConsole;
import dev.celadon.management.VmState;
import dev.celadon.shell.internal.completers.VmNameCompleter;
import java.io.InputStream;
import java.io.PrintStream;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.Terminal;

@Command(scope = "vm", name = "console", description = "Connects the terminal to the VM's serial console; Ctrl-] detaches.")
@Service
public class ConsoleCommand extends VmAction {

    /** Ctrl-], the detach key of telnet and virsh console. */
    private static final int DETACH = 0x1D;

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(VmNameCompleter.class)
    String name;

    @Reference
    Session session;

    @Override
    void run(PrintStream out) throws Exception {
        VmConsole console = manager.console(name);
        if (!manager.info(name).state().isActive()) {
            throw new dev.celadon.management.VmException("VM " + name + " is not running; vm:log " + name
                    + " shows what it printed");
        }
        out.println("Connected to " + name + "'s console. Ctrl-] detaches.");
        out.flush();
        out.write(console.history());
        out.flush();
        Terminal terminal = session.getTerminal();
        boolean wasEcho = terminal != null && terminal.isEchoEnabled();
        if (terminal != null) {
            terminal.setEchoEnabled(false); // the guest echoes what it wants shown
        }
        try (AutoCloseable following = console.follow(bytes -> {
            out.write(bytes, 0, bytes.length);
            out.flush();
        })) {
            InputStream in = session.getKeyboard();
            byte[] one = new byte[1];
            while (true) {
                int c = in.read();
                if (c < 0 || c == DETACH) {
                    break;
                }
                VmState state = manager.info(name).state();
                if (!state.isActive()) {
                    out.println();
                    out.println("VM " + name + " is " + state.name().toLowerCase());
                    break;
                }
                one[0] = (byte) c;
                console.type(one);
            }
        } finally {
            if (terminal != null) {
                terminal.setEchoEnabled(wasEcho);
            }
        }
        out.println();
        out.println("Detached from " + name + ".");
    }
}
