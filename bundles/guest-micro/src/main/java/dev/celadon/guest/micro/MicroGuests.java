package dev.celadon.guest.micro;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.TreeSet;

/**
 * The micro-guests bundled as resources: PVH ELF images built by this bundle's build from
 * {@code src/main/c} with gcc.
 * <ul>
 * <li>{@code demo}: banner with vCPU count and memory, SMP start-up, a page test at the top of RAM, console echo</li>
 * <li>{@code bench}: N port writes ({@code count=N port=0xP} on its command line), then a write to port 0xF4</li>
 * <li>{@code faulty}: an instruction KVM cannot emulate</li>
 * <li>{@code cpubench}: a CPU-bound workload ({@code iters=N}), its checksum, then poweroff (port 0x600, then 0xF4)</li>
 * <li>{@code smp}: starts every AP, then LOCKed counters, a message-passing and a store-buffering litmus test</li>
 * <li>{@code hvtest}: the Hyper-V interface from the guest's side: CPUID leaves, GUEST_OS_ID, the hypercall page and
 * calls with bad and good inputs (each TLFS status printed), then SynIC messages, EOM and an event flag posted by the
 * host</li>
 * <li>{@code hvenl}: the host-side enlightenments from the guest's side ({@code part=1} timing, {@code 2} synthetic
 * timers, {@code 3} crash MSRs)</li>
 * <li>{@code hvpack}: a guest pack's profile from the guest's side: the CPUID leaves it reads, a guest OS id from its
 * command line ({@code osid=} hex), HvNotifyLongSpinWait, and the APIC access MSRs 0x40000070-72 where advertised</li>
 * <li>hostile guests for robustness tests, each ending (or not) in its own way: {@code garbage} (jumps into random
 * bytes), {@code wildjump} (jumps outside RAM), {@code badpt} (page tables outside RAM), {@code spin} (CLI and an
 * endless loop), {@code triple} (a triple fault)</li>
 * </ul>
 */
public final class MicroGuests {

    private static final Set<String> NAMES = Set.of("bench", "demo", "faulty", "cpubench", "smp", "garbage", "wildjump",
            "badpt", "spin", "triple", "hvtest", "hvenl", "hvbench", "hvpack");

    /** The guests that never end cleanly by design: a backend must stop or fail them. */
    private static final Set<String> HOSTILE = Set.of("garbage", "wildjump", "badpt", "spin", "triple");

    private MicroGuests() {
    }

    public static Set<String> names() {
        return new TreeSet<>(NAMES);
    }

    /** The hostile guests' names (garbage, wildjump, badpt, spin, triple), sorted. */
    public static Set<String> hostile() {
        return new TreeSet<>(HOSTILE);
    }

    public static byte[] image(String name) {
        if (name == null || !NAMES.contains(name)) {
            throw new IllegalArgumentException("no micro-guest named " + name + "; known: " + names());
        }
        try (InputStream in = MicroGuests.class.getResourceAsStream("images/" + name + ".elf")) {
            if (in == null) {
                throw new IllegalStateException("micro-guest " + name + " is missing from this bundle (build it with gcc)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
