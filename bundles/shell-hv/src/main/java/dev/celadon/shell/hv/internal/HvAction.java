package dev.celadon.shell.hv.internal;

import java.io.PrintStream;
import org.apache.karaf.shell.api.action.Action;

/**
 * Shared by the license:* and hv:* commands. A {@link ShellException} reaches Karaf, which prints its message as
 * "Error executing command: ..." without a stack trace, and the command fails.
 */
abstract class HvAction implements Action {

    @Override
    public final Object execute() throws Exception {
        run(System.out);
        return null;
    }

    abstract void run(PrintStream out) throws Exception;

    static void row(PrintStream out, String key, String value) {
        out.printf("%-16s %s%n", key, value);
    }
}
