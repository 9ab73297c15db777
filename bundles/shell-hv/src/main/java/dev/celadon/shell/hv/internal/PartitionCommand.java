package dev.celadon.shell.hv.internal;

import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionManager;
import dev.celadon.hypervisor.api.hyperv.GuestOsId;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.shell.hv.internal.completers.PartitionNameCompleter;
import java.io.PrintStream;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "hv", name = "partition", description = "Shows a live partition's Hyper-V state: guest OS id, enlightenments, hypercall page, hypercalls per processor.")
@Service
public class PartitionCommand extends HvAction {

    @Argument(index = 0, name = "name", description = "The partition's name (a running VM's name)", required = true)
    @Completion(PartitionNameCompleter.class)
    String name;

    /** Optional: the core restarting must not unregister license:* (trap 6). */
    @Reference(optional = true)
    PartitionManager partitions;

    @Reference(optional = true)
    HyperV hyperV;

    @Override
    void run(PrintStream out) {
        if (partitions == null) {
            throw new ShellException("the hypervisor core is not running (no PartitionManager service; bundle:list "
                    + "shows dev.celadon.hypervisor.core)");
        }
        Partition p = partitions.partitions().stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> new ShellException("no live partition named '" + name + "'"
                        + live(partitions) + " (a VM has a partition only while it runs)"));
        row(out, "Partition", p.name());
        row(out, "State", p.state().name().toLowerCase(Locale.ROOT));
        row(out, "Backend", p.backend().name());
        row(out, "vCPUs", Integer.toString(p.config().vpCount()));
        if (hyperV == null) {
            row(out, "Hyper-V", "unknown: the core's HyperV service is not registered");
            return;
        }
        HvPartition hv = hyperV.of(p).orElse(null);
        if (hv == null) {
            row(out, "Hyper-V", "none (the partition has ended, or it is not one of the core's)");
            return;
        }
        // The pack asked; the core granted what it implements here (leaf words as the guest reads them).
        row(out, "Guest pack", hv.guestPack());
        row(out, "CPUID granted", hv.advertised());
        row(out, "CPUID withheld", hv.withheld().isEmpty() ? "nothing" : hv.withheld()
                + " (asked for by the pack, not implemented here)");
        GuestOsId os = hv.guestOsId();
        // Raw value and decoding both: the raw value is what a TLFS reader or a guest's source compares with.
        row(out, "Guest OS id", os.identified() ? String.format("0x%016x", os.raw()) + " " + os.describe()
                : "none (the guest has not written HV_X64_MSR_GUEST_OS_ID)");
        // Fixed when the partition was created (what was registered then, in attach order); hv:enlightenments
        // shows what a partition created now would get.
        row(out, "Enlightenments", hv.enlightenments().isEmpty() ? "none" : String.join(", ", hv.enlightenments()));
        long page = hv.hypercallPage();
        row(out, "Hypercall page", page < 0 ? "not enabled" : String.format("0x%x", page));
        long total = 0;
        for (int vp = 0; vp < p.config().vpCount(); vp++) {
            long n = hv.hypercallCount(vp);
            total += n;
            row(out, "Hypercalls vp" + vp, Long.toString(n));
        }
        row(out, "Hypercalls", total + " (HvPostMessage, HvSignalEvent, HvNotifyLongSpinWait; refused ones included)");
        row(out, "Long spin waits", Long.toString(hv.spinWaitNotifications()));
    }

    private static String live(PartitionManager m) {
        String names = m.partitions().stream().map(Partition::name).sorted().collect(Collectors.joining(", "));
        return names.isEmpty() ? "; none is running" : "; live: " + names;
    }
}
