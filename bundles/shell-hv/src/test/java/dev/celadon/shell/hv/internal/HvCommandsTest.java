package dev.celadon.shell.hv.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.BackendKind;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionLimits;
import dev.celadon.hypervisor.api.PartitionManager;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.api.hyperv.GuestOsId;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.shell.hv.internal.completers.LicenceIdCompleter;
import dev.celadon.shell.hv.internal.completers.PartitionNameCompleter;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HvCommandsTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final MemoryLicences licences = new MemoryLicences();

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private Path licenceFile(String text) throws Exception {
        Path p = Files.createTempFile(dir, "l", ".licence");
        Files.writeString(p, text);
        return p;
    }

    private void install(Path file) {
        LicenceInstallCommand c = new LicenceInstallCommand();
        c.licences = licences;
        c.file = file.toString();
        c.run(out);
    }

    @Test
    void installListShowRemove() throws Exception {
        install(licenceFile("acme-1 VALID hv-timing hv-synic"));
        assertTrue(output().contains("Installed acme-1 (valid): valid until 2027-12-02T05:37:55Z"), output());
        assertTrue(output().contains("Features: hv-timing,hv-synic"), output());
        licences.dropUnverified("tampered");

        bytes.reset();
        LicenceListCommand list = new LicenceListCommand();
        list.licences = licences;
        list.run(out);
        String[] lines = output().split("\n");
        assertEquals("Host id: " + licences.hostId(), lines[0]);
        assertTrue(lines[1].startsWith("ID "), lines[1]);
        assertTrue(lines[2].matches("acme-1\\s+valid\\s+2027-12-02T05:37:55Z\\s+hv-timing,hv-synic"), lines[2]);
        assertTrue(lines[3].matches("tampered\\s+bad-signature\\s+-\\s+-"), lines[3]);

        bytes.reset();
        LicenceShowCommand show = new LicenceShowCommand();
        show.licences = licences;
        show.id = "acme-1";
        show.run(out);
        assertTrue(output().matches("(?s).*Licensee\\s+ACME Corp\n.*"), output());
        assertTrue(output().contains("hv-timing -> dev.celadon.enlightenment.timing [1.0,2)"), output());
        assertTrue(output().matches("(?s).*Host\\s+any\n.*"), output());

        bytes.reset();
        show.id = "tampered";
        show.run(out);
        assertTrue(output().contains("bad signature"), output());
        assertFalse(output().contains("Licensee"), "an unverified document shows nothing of its content");

        LicenceRemoveCommand remove = new LicenceRemoveCommand();
        remove.licences = licences;
        remove.id = "acme-1";
        bytes.reset();
        remove.run(out);
        assertEquals("Removed licence acme-1\n", output());
        assertTrue(licences.show("acme-1").isEmpty());
        ShellException again = assertThrows(ShellException.class, () -> remove.run(out));
        assertTrue(again.getMessage().contains("not removed: no licence with id acme-1"), again.getMessage());

        show.id = "acme-1";
        assertTrue(assertThrows(ShellException.class, () -> show.run(out)).getMessage().contains("no licence with id"));
    }

    @Test
    void refusedLicenceSaysWhyAndInstallsNothing() throws Exception {
        Path f = licenceFile("old-1 EXPIRED hv-timing");
        ShellException e = assertThrows(ShellException.class, () -> install(f));
        assertEquals(f.toAbsolutePath() + ": not installed: expired: refused", e.getMessage());
        assertTrue(licences.list().isEmpty());
        Path missing = dir.resolve("nope.licence");
        assertEquals(missing + ": no such file", assertThrows(ShellException.class, () -> install(missing)).getMessage());
    }

    @Test
    void absentServicesAreSaidInWords() {
        LicenceListCommand list = new LicenceListCommand();
        assertEquals(LicenceAction.ABSENT, assertThrows(ShellException.class, () -> list.run(out)).getMessage());
        PartitionCommand hv = new PartitionCommand();
        hv.name = "demo";
        assertTrue(assertThrows(ShellException.class, () -> hv.run(out)).getMessage()
                .contains("hypervisor core is not running"));
    }

    /**
     * Trap 6: one mandatory reference unregisters every command of the bundle while its service is missing. Read
     * from the compiled classes, so a reference added later without optional = true fails here.
     */
    @Test
    void everyServiceReferenceIsOptional() throws Exception {
        URL root = HvAction.class.getProtectionDomain().getCodeSource().getLocation();
        Path classes = Path.of(root.toURI());
        List<String> checked = new ArrayList<>();
        try (var walk = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) walk.filter(x -> x.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(p).toString().replace(File.separatorChar, '.').replace(".class", "");
                for (Class<?> c = Class.forName(name); c != null && c != Object.class; c = c.getSuperclass()) {
                    for (Field field : c.getDeclaredFields()) {
                        Reference r = field.getAnnotation(Reference.class);
                        if (r != null) {
                            assertTrue(r.optional(), name + "." + field.getName() + " must be optional");
                            checked.add(field.getName());
                        }
                    }
                }
            }
        }
        assertTrue(checked.contains("licences") && checked.contains("partitions") && checked.contains("hyperV"), checked.toString());
    }

    @Test
    void partitionShowsDecodedGuestOsIdAndHypercalls() {
        // What Linux 6.1.0 writes: open-source bit, OS type 1 (Linux), LINUX_VERSION_CODE 0x060100 in bits 47:16.
        long linux = 0x8100_0000_0000_0000L | (0x060100L << 16);
        FixedHv hv = new FixedHv(new GuestOsId(linux), 0x7ff000L, new long[]{5, 12},
                List.of("hv-timing", "hv-stimer", "hv-crash"));
        Partition demo = partition("demo", 2);
        PartitionCommand c = command(List.of(partition("other", 1), demo), p -> p == demo ? hv : null);
        c.name = "demo";
        c.run(out);
        String text = output();
        assertTrue(text.matches("(?s).*Guest OS id\\s+0x8100000601000000 Linux 6\\.1\\.0 .*"), text);
        assertTrue(text.matches("(?s).*Hypercall page\\s+0x7ff000\n.*"), text);
        assertTrue(text.matches("(?s).*Hypercalls vp0\\s+5\n.*Hypercalls vp1\\s+12\n.*"), text);
        assertTrue(text.matches("(?s).*Hypercalls\\s+17 .*"), text);
        assertTrue(text.matches("(?s).*Backend\\s+emulator\n.*"), text);
        // What the core attached when the partition was created, in attach order.
        assertTrue(text.matches("(?s).*Enlightenments\\s+hv-timing, hv-stimer, hv-crash\n.*"), text);

        bytes.reset();
        PartitionCommand fresh = command(List.of(demo), p -> new FixedHv(GuestOsId.NONE, -1, new long[2], List.of()));
        fresh.name = "demo";
        fresh.run(out);
        assertTrue(output().contains("none (the guest has not written HV_X64_MSR_GUEST_OS_ID)"), output());
        assertTrue(output().matches("(?s).*Hypercall page\\s+not enabled\n.*"), output());
        assertTrue(output().matches("(?s).*Enlightenments\\s+none\n.*"), output());

        PartitionCommand missing = command(List.of(demo), p -> hv);
        missing.name = "web";
        assertEquals("no live partition named 'web'; live: demo (a VM has a partition only while it runs)",
                assertThrows(ShellException.class, () -> missing.run(out)).getMessage());

        bytes.reset();
        PartitionCommand noHv = command(List.of(demo), null);
        noHv.name = "demo";
        noHv.run(out);
        assertTrue(output().contains("HyperV service is not registered"), output());
    }

    private PartitionCommand command(List<Partition> live, java.util.function.Function<Partition, HvPartition> of) {
        PartitionCommand c = new PartitionCommand();
        c.partitions = (PartitionManager) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{PartitionManager.class}, (proxy, m, args) -> {
                    if (m.getName().equals("partitions")) {
                        return live;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        c.hyperV = of == null ? null : (HyperV) p -> Optional.ofNullable(of.apply(p));
        return c;
    }

    /** A partition as hv:partition reads it: name, state, backend, config. */
    private static Partition partition(String name, int vps) {
        PartitionConfig config = new PartitionConfig(name, vps, 64L << 20, "emulator");
        BackendInfo backend = BackendInfo.available("emulator", BackendKind.EMULATOR, new PartitionLimits(255, 1L << 40), Map.of());
        return (Partition) Proxy.newProxyInstance(HvCommandsTest.class.getClassLoader(), new Class<?>[]{Partition.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "name" -> name;
                    case "config" -> config;
                    case "state" -> PartitionState.RUNNING;
                    case "backend" -> backend;
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private record FixedHv(GuestOsId guestOsId, long hypercallPage, long[] counts, List<String> enlightenments)
            implements HvPartition {
        @Override
        public long hypercallCount(int vpIndex) {
            return counts[vpIndex];
        }

        @Override
        public dev.celadon.hypervisor.api.intercept.Registration connect(int id, dev.celadon.hypervisor.api.hyperv.ConnectionHandler h) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.celadon.hypervisor.api.hyperv.PostResult post(int vp, int sint, dev.celadon.hypervisor.api.hyperv.SynicMessage m) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.celadon.hypervisor.api.hyperv.PostResult signalEvent(int vp, int sint, int flag) {
            throw new UnsupportedOperationException();
        }
    }
}
