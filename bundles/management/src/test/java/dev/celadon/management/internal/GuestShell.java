package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.console;

import dev.celadon.management.VmManager;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A Linux guest's busybox shell on its serial console, as the Linux tests drive it. */
final class GuestShell {

    /** Numbers the end markers; unique per JVM, so unique on every console. */
    private static final AtomicInteger COMMANDS = new AtomicInteger();

    private GuestShell() {
    }

    /**
     * Types a command line and returns what it printed: the output between the echo of the line and an end
     * marker computed by the shell ("end-N" with N = a shell arithmetic result, which the echoed input
     * does not contain literally).
     */
    static String run(VmManager manager, String vm, String command, long seconds) throws InterruptedException {
        int n = COMMANDS.incrementAndGet();
        String marker = "end-" + (n + 1000);
        int before = console(manager, vm).length();
        manager.console(vm).type((command + "; echo end-$((" + n + "+1000))\n").getBytes(StandardCharsets.US_ASCII));
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            String c = console(manager, vm);
            int at = c.indexOf(marker, Math.max(0, Math.min(before, c.length())));
            if (at >= 0) {
                int start = c.indexOf('\n', Math.min(before, c.length()));
                return start >= 0 && start < at ? c.substring(start + 1, at).replace("\r", "") : "";
            }
            Thread.sleep(20);
        }
        throw new AssertionError("'" + command + "' did not finish within " + seconds + " s; state "
                + manager.info(vm).state() + "; console:\n" + console(manager, vm));
    }
}
