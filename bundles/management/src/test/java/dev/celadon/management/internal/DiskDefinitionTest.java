package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmDefinition.Disk;
import dev.celadon.management.VmException;
import dev.celadon.management.VmInfo;
import dev.celadon.management.VmState;
import dev.celadon.storvsp.internal.StorageVspProvider;
import dev.celadon.vhd.Vhd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Disks in definitions: kept in the JSON file, checked on the host (missing, not a file, not writable, twice, not
 * an image), changed on stopped VMs and (offer/rescind) on running ones, and served at start by whatever disk provider is registered (the real
 * storvsp component here), whose departure rescinds them from the running VM.
 */
class DiskDefinitionTest {

    @TempDir
    Path dir;
    @TempDir
    Path disks;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    private Path vhd(String name, long size) throws Exception {
        Path p = disks.resolve(name);
        Vhd.create(p, size, Vhd.Type.DYNAMIC, null);
        return p;
    }

    private void rejected(String fragment, Executable request) throws Exception {
        String before = files();
        VmException e = assertThrows(VmException.class, request);
        assertTrue(e.getMessage().contains(fragment), "message was: " + e.getMessage());
        assertEquals(before, files(), "the definitions changed");
    }

    private String files() throws Exception {
        StringBuilder b = new StringBuilder();
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                b.append(p.getFileName()).append(':').append(Files.readString(p)).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void disksAreStoredCheckedAndEditedOnAStoppedVm() throws Exception {
        manager = Host.manager(dir);
        manager.addProvider(new StorageVspProvider());
        Path a = vhd("a.vhd", 64L << 20);
        Path b = vhd("b.vhd", 32L << 20);
        manager.create(new VmDefinition("d", 1, 64, "demo", null, null, null, null,
                List.of(new Disk(a.toString(), false), new Disk(b.toString(), true))));
        String json = Files.readString(dir.resolve("d.json"));
        assertEquals(new ObjectMapper().readTree("[{\"path\":\"" + a + "\",\"readOnly\":false},{\"path\":\"" + b
                + "\",\"readOnly\":true}]"), new ObjectMapper().readTree(json).get("disks"), json);
        // A definition without disks has no disks field; old files without one load with none.
        manager.create(new VmDefinition("plain", 1, 64, "demo", null, null, null));
        assertFalse(Files.readString(dir.resolve("plain.json")).contains("disks"));

        // What survives a restart.
        manager.deactivate();
        manager = Host.manager(dir);
        manager.addProvider(new StorageVspProvider());
        assertEquals(List.of(new Disk(a.toString(), false), new Disk(b.toString(), true)),
                manager.info("d").definition().disks());
        assertEquals(List.of(), manager.info("plain").definition().disks());

        Path missing = disks.resolve("missing.vhd");
        rejected("disk " + missing + ": no such file", () -> manager.attachDisk("plain", new Disk(missing.toString(), false)));
        rejected("not a regular file", () -> manager.attachDisk("plain", new Disk(disks.toString(), false)));
        rejected("give an absolute path", () -> manager.attachDisk("plain", new Disk("a.vhd", false)));
        rejected("is given twice", () -> manager.attachDisk("d", new Disk(a.toString(), true)));
        Path link = Files.createSymbolicLink(disks.resolve("link.vhd"), a);
        rejected("is given twice (also as " + a + ")", () -> manager.attachDisk("d", new Disk(link.toString(), false)));
        rejected("is given twice", () -> manager.create(new VmDefinition("x", 1, 64, "demo", null, null, null, null,
                List.of(new Disk(b.toString(), true), new Disk(b.toString(), true)))));
        Path junk = Files.write(disks.resolve("junk.img"), new byte[1000]);
        rejected("not usable as a VHD or raw image", () -> manager.attachDisk("plain", new Disk(junk.toString(), false)));
        rejected("no VM named nobody", () -> manager.attachDisk("nobody", new Disk(a.toString(), false)));
        rejected("has no disk 7", () -> manager.detachDisk("d", "7"));
        rejected("has no disk /nope", () -> manager.detachDisk("d", "/nope"));

        // A raw image is a disk too; attach then detach by number and by file.
        Path raw = Files.write(disks.resolve("raw.img"), new byte[1 << 20]);
        VmInfo info = manager.attachDisk("plain", new Disk(raw.toString(), true));
        assertEquals(List.of(new Disk(raw.toString(), true)), info.definition().disks());
        assertTrue(Files.readString(dir.resolve("plain.json")).contains(raw.toString()));
        manager.detachDisk("d", "0");
        assertEquals(List.of(new Disk(b.toString(), true)), manager.info("d").definition().disks());
        manager.detachDisk("d", b.toString());
        assertEquals(List.of(), manager.info("d").definition().disks());
        assertFalse(Files.readString(dir.resolve("d.json")).contains("disks"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void aRunningVmServesItsDisksAndLosesThemWithItsProvider(String backend) throws Exception {
        Host.requireBackend(backend);
        manager = Host.manager(dir);
        Path a = vhd("a.vhd", 16L << 20);
        manager.create(new VmDefinition("run", 1, 64, "demo", null, null, null, backend,
                List.of(new Disk(a.toString(), false))));

        // No provider: the start says what is missing, and nothing is left behind.
        VmException e = assertThrows(VmException.class, () -> manager.start("run"));
        assertTrue(e.getMessage().contains("no VMBus device provider for disks"), e.getMessage());
        assertTrue(Host.threadsNamed("celadon-run-").isEmpty());

        StorageVspProvider storvsp = new StorageVspProvider();
        manager.addProvider(storvsp);
        manager.start("run");
        awaitConsole(manager, "run", "echo ready", 60);
        Map<String, String> rt = manager.info("run").runtime();
        assertTrue(rt.get("disk.0").startsWith("storvsp ") && rt.get("disk.0").contains(a.toString())
                && rt.get("disk.0").contains("16777216 bytes"), rt.toString());
        assertEquals("1", rt.get("vmbus-channels"), rt.toString());
        // Hot add and remove on the running VM: offered and rescinded on its VMBus server, the definition follows.
        Path b = vhd("b.vhd", 1 << 20);
        manager.attachDisk("run", new Disk(b.toString(), false));
        rt = manager.info("run").runtime();
        assertTrue(rt.get("disk.1").contains(b.toString()), rt.toString());
        assertEquals("2", rt.get("vmbus-channels"), rt.toString());
        assertTrue(Files.readString(dir.resolve("run.json")).contains(b.toString()));
        rejected("is given twice", () -> manager.attachDisk("run", new Disk(b.toString(), true)));
        manager.detachDisk("run", b.toString());
        rt = manager.info("run").runtime();
        assertFalse(rt.containsKey("disk.1"), rt.toString());
        assertEquals("1", rt.get("vmbus-channels"), rt.toString());
        assertFalse(Files.readString(dir.resolve("run.json")).contains(b.toString()));
        Vhd.open(b, false).close(); // closed by the detach: free for writing

        // The image is locked for writing while the VM runs: another VM cannot start on it.
        manager.create(new VmDefinition("other", 1, 64, "demo", null, null, null, backend,
                List.of(new Disk(a.toString(), false))));
        VmException locked = assertThrows(VmException.class, () -> manager.start("other"));
        assertTrue(locked.getMessage().contains("disk 0 (" + a + "): cannot be opened"), locked.getMessage());
        assertEquals(VmState.FAILED, manager.info("other").state());

        // The provider leaves (its bundle stops): the disk is rescinded and closed, the VM keeps running.
        manager.removeProvider(storvsp);
        rt = manager.info("run").runtime();
        assertEquals("not served: no disk provider", rt.get("disk.0"), rt.toString());
        assertEquals("0", rt.get("vmbus-channels"), rt.toString());
        assertEquals(VmState.RUNNING, manager.info("run").state());
        manager.console("run").type("still here\n".getBytes(StandardCharsets.US_ASCII));
        awaitConsole(manager, "run", "echo: still here", 30);
        // ... so the image is free: the other VM starts on it and stops.
        manager.addProvider(new StorageVspProvider()); // a new instance, as when the bundle is started again
        rt = manager.info("run").runtime();
        assertTrue(rt.get("disk.0").startsWith("storvsp "), "offered again to the running VM: " + rt);
        manager.stop("run");
        manager.start("other");
        manager.stop("other");
        assertTrue(Host.threadsNamed("celadon-").isEmpty(), Host.threadsNamed("celadon-").toString());
        assertTrue(Host.threadsNamed("vmbus-channel-").isEmpty(), Host.threadsNamed("vmbus-channel-").toString());
        // Closed with the VM: the image opens for writing again here.
        Vhd.open(a, false).close();
    }
}
