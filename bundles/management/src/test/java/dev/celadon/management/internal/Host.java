package dev.celadon.management.internal;

import static org.junit.jupiter.api.Assertions.fail;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.windows.internal.WindowsGuestPack;
import dev.celadon.guest.linux.kit.GuestKit;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVService;
import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.kvm.internal.KvmBackend;
import dev.celadon.loader.internal.KernelLoader;
import dev.celadon.management.VmManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The real stack without OSGi: both backends (KVM, the emulator), hypervisor core, loader and management wired by
 * their constructors, as DS wires them in Karaf.
 */
final class Host {

    static final Path KVM = Path.of("/dev/kvm");

    private Host() {
    }

    /** The name tests use when no backend here runs guests: the test is skipped and says why. */
    static final String NONE = "none";

    /**
     * Every backend of this build, registered as DS would: KVM preferred, the emulator after it; and both guest
     * packs.
     */
    static PartitionManagerImpl partitions() {
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack(), new WindowsGuestPack());
        pm.register("kvm", 10, new KvmBackend());
        pm.register("emulator", 50, new EmulatorBackend());
        return pm;
    }

    /** The backends that run guest code on this host: every test that runs a guest runs on each of them. */
    static Stream<String> guestBackends() {
        List<String> names = partitions().backends().stream()
                .filter(b -> b.available() && b.kind().runsGuestCode()).map(b -> b.name()).toList();
        return names.isEmpty() ? Stream.of(NONE) : names.stream();
    }

    /** Skips (saying why, on the console too) when no backend here runs guests. */
    static void requireBackend(String backend) {
        if (NONE.equals(backend)) {
            String why = "skipped: no backend runs guests on this host: " + partitions().backends();
            System.out.println(why);
            Assumptions.assumeTrue(false, why);
        }
    }

    /**
     * As {@link #requireBackend}, for tests that boot Debian's kernel: also skipped, saying why, on a
     * software-nested KVM (kvm_pvm), which does not boot the stock kernel in test time (see LinuxBootTest).
     */
    static void requireLinuxBackend(String backend) {
        requireBackend(backend);
        if (backend.equals("kvm") && java.nio.file.Files.exists(Path.of("/sys/module/kvm_pvm"))) {
            String why = "skipped: software-nested KVM does not boot the stock kernel in test time (see LinuxBootTest)";
            System.out.println(why);
            Assumptions.assumeTrue(false, why);
        }
    }

    static VmManagerImpl manager(Path dir) {
        return manager(dir, partitions());
    }

    static VmManagerImpl manager(Path dir, KvmBackend backend) {
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
        pm.register("kvm", 10, backend);
        return manager(dir, pm);
    }

    static VmManagerImpl manager(Path dir, PartitionManagerImpl partitions) {
        return new VmManagerImpl(partitions, new HyperVService(), new KernelLoader(), dir, GuestKit::new);
    }

    /** Where the host maps a partition's guest RAM: the address behind a direct view of guest-physical 0. */
    static long hostAddressOfRam(dev.celadon.hypervisor.api.Partition p) {
        return com.sun.jna.Pointer.nativeValue(com.sun.jna.Native.getDirectBufferPointer(p.memory().view(0, 1)));
    }

    static String console(VmManager m, String vm) {
        return new String(m.console(vm).history(), StandardCharsets.UTF_8);
    }

    /** Waits until the VM's console shows {@code text}; fails with the whole console otherwise. */
    static void awaitConsole(VmManager m, String vm, String text, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (console(m, vm).contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        fail("VM " + vm + " did not print '" + text + "' within " + seconds + " s; state "
                + m.info(vm).state() + " " + m.info(vm).failureReason() + "; console:\n" + console(m, vm));
    }

    /** Descriptors of this JVM that point at KVM objects (the VM and its vCPUs). */
    static List<String> kvmDescriptors() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.contains("kvm-vm") || target.contains("kvm-vcpu")) {
                        out.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return out;
    }

    /** Mappings of this JVM as "start-end" strings with their size in bytes. */
    static List<long[]> mappings() throws IOException {
        List<long[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String range = line.substring(0, line.indexOf(' '));
            int dash = range.indexOf('-');
            out.add(new long[] {Long.parseUnsignedLong(range.substring(0, dash), 16),
                Long.parseUnsignedLong(range.substring(dash + 1), 16)});
        }
        return out;
    }

    static boolean mapped(long start, long end) throws IOException {
        for (long[] m : mappings()) {
            if (m[0] < end && start < m[1]) {
                return true;
            }
        }
        return false;
    }

    static List<String> threadsNamed(String prefix) {
        List<String> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                out.add(t.getName());
            }
        }
        return out;
    }
}
