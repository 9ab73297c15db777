package dev.celadon.shell.vmbus.internal;

import dev.celadon.management.VmChannel;
import dev.celadon.management.VmInfo;
import dev.celadon.management.VmManager;
import dev.celadon.shell.vmbus.internal.completers.RunningVmCompleter;
import dev.celadon.vmbus.ring.RingFill;
import dev.celadon.vmbus.server.ChannelInfo;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * Each VMBus channel of a running VM: what was offered (interface and instance GUIDs, what they are, the device
 * serving it), its state, both rings' fill from their shared headers (validated: a guest may have written junk
 * there), and the counters of the current open. A {@link dev.celadon.management.VmException} (no such VM, not
 * running) reaches Karaf, which prints its message as "Error executing command: ..." and fails the command.
 */
@Command(scope = "vmbus", name = "channels", description = "Shows a running VM's VMBus channels: offer, state, rings' fill, counters.")
@Service
public class ChannelsCommand implements Action {

    @Argument(index = 0, name = "name", description = "The VM's name", required = true)
    @Completion(RunningVmCompleter.class)
    String name;

    @Reference
    VmManager manager;

    @Override
    public Object execute() {
        run(System.out);
        return null;
    }

    void run(PrintStream out) {
        List<VmChannel> channels = manager.channels(name); // no such VM, not running: VmException with the reason
        VmInfo info = manager.info(name);
        Map<String, String> rt = info.runtime();
        out.printf("VM %s (%s): VMBus %s, %d channel(s), %s violation(s) in all%n", name,
                info.state().name().toLowerCase(Locale.ROOT), rt.getOrDefault("vmbus-version", "?"), channels.size(),
                rt.getOrDefault("vmbus-violations", "?"));
        for (VmChannel vc : channels) {
            ChannelInfo c = vc.channel();
            out.printf("%nRelid %d: %s, %s%n", c.relid(), InterfaceTypes.describe(c.interfaceType()),
                    state(c.state()));
            row(out, "Interface", c.interfaceType().toString());
            row(out, "Instance", c.instance().toString());
            row(out, "Device", vc.device() != null ? vc.device() : "(not a device of the VM's definition)");
            row(out, "Connection", "id " + c.connectionId() + ", " + c.gpadls() + " GPADL(s)");
            row(out, "Ring in", ring(c.inbound()) + "   (guest to host)");
            row(out, "Ring out", ring(c.outbound()) + "   (host to guest)");
            row(out, "Packets", "in " + c.packetsIn() + ", out " + c.packetsOut()
                    + (c.state() == ChannelInfo.State.OPEN ? "" : "   (counted per open)"));
            row(out, "Signals", "in " + c.signalsIn() + " (guest to host), out " + c.signalsOut()
                    + " (interrupts to the guest)");
            row(out, "Violations", Long.toString(c.violations()));
            if (c.closeReason() != null) {
                row(out, "Closed for", c.closeReason());
            }
        }
        // Definition entries that have no channel now (their provider left): say so, not silence.
        for (Map.Entry<String, String> e : rt.entrySet()) {
            if (e.getKey().matches("[a-z]+\\.\\d+") && e.getValue().startsWith("not served")) {
                out.printf("%n%s: no channel (%s)%n", e.getKey(), e.getValue());
            }
        }
    }

    private static String state(ChannelInfo.State s) {
        return switch (s) {
            case PENDING -> "pending (the guest has not asked for offers)";
            case OFFERED -> "offered";
            case OPEN -> "open";
            case FAILED -> "closed by the host for a violation";
            case RESCINDED -> "rescinded (waiting for the guest's RELID_RELEASED)";
        };
    }

    /** {@code used/size bytes (N%)}, and the indices; or why the header cannot be read as a ring. */
    static String ring(RingFill f) {
        if (f == null) {
            return "-";
        }
        if (!f.valid()) {
            return "invalid: " + f.problem();
        }
        return String.format(Locale.ROOT, "%d/%d bytes used (%.1f%%), write_index %d, read_index %d%s%s", f.used(),
                f.dataSize(), 100.0 * f.used() / f.dataSize(), f.writeIndex(), f.readIndex(),
                f.interruptMask() != 0 ? ", reader polling" : "",
                f.pendingSend() != 0 ? ", writer waits for " + f.pendingSend() + " bytes" : "");
    }

    private static void row(PrintStream out, String key, String value) {
        out.printf("  %-11s %s%n", key, value);
    }
}
