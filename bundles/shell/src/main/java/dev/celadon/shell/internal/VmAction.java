package dev.celadon.shell.internal;

import dev.celadon.management.VmManager;
import java.io.PrintStream;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/**
 * Shared by the vm:* commands. A {@link dev.celadon.management.VmException} propagates to Karaf, which prints
 * its message as "Error executing command: ..." without a stack trace, and the command fails.
 */
abstract class VmAction implements Action {

    @Reference
    VmManager manager;

    @Override
    public final Object execute() throws Exception {
        run(System.out);
        return null;
    }

    abstract void run(PrintStream out) throws Exception;
}
