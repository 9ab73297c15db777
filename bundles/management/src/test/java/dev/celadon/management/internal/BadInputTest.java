package dev.celadon.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.kvm.internal.KvmBackend;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import dev.celadon.management.VmInfo;
import dev.celadon.management.VmState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every bad request gets a clear error and changes nothing. */
class BadInputTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    private void rejected(String expectedFragment, Executable request) throws Exception {
        List<String> filesBefore = files();
        List<String> vmsBefore = manager.list().stream().map(VmInfo::name).toList();
        VmException e = assertThrows(VmException.class, request);
        assertTrue(e.getMessage().contains(expectedFragment), "message was: " + e.getMessage());
        assertEquals(filesBefore, files(), "the definitions directory changed");
        assertEquals(vmsBefore, manager.list().stream().map(VmInfo::name).toList());
    }

    private List<String> files() throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void badDefinitionsAreRejected() throws Exception {
        manager = Host.manager(dir);
        manager.create(new VmDefinition("taken", 1, 64, "demo", null, null, null));
        rejected("does not exist", () -> manager.create(new VmDefinition("x", 1, 64, null, "/nonexistent/vmlinuz", null, null)));
        rejected("unknown image", () -> manager.create(new VmDefinition("x", 1, 64, "windows", null, null, null)));
        Path text = dir.resolve("../not-a-kernel.txt").normalize();
        Files.writeString(text, "this is not a kernel\n".repeat(100));
        rejected("not an ELF", () -> manager.create(new VmDefinition("x", 1, 64, text.toString(), null, null, null)));
        rejected("initrd", () -> manager.create(new VmDefinition("x", 1, 64, "demo", null, "/nonexistent/initrd", null)));
        rejected("at least 1 vCPU", () -> manager.create(new VmDefinition("x", 0, 64, "demo", null, null, null)));
        rejected("vCPUs requested", () -> manager.create(new VmDefinition("x", 100000, 64, "demo", null, null, null)));
        rejected("at least 16 MiB", () -> manager.create(new VmDefinition("x", 1, 0, "demo", null, null, null)));
        rejected("MiB of memory requested", () -> manager.create(new VmDefinition("x", 1, 1L << 40, "demo", null, null, null)));
        rejected("MiB of memory requested", () -> manager.create(new VmDefinition("x", 1, Long.MAX_VALUE, "demo", null, null, null)));
        rejected("at least 16 MiB", () -> manager.create(new VmDefinition("x", 1, -5, "demo", null, null, null)));
        rejected("at least 1 vCPU", () -> manager.create(new VmDefinition("x", -3, 64, "demo", null, null, null)));
        rejected("no backend named 'kvmm'", () -> manager.create(new VmDefinition("x", 1, 64, "demo", null, null, null, "kvmm")));
        rejected("invalid backend name", () -> manager.create(new VmDefinition("x", 1, 64, "demo", null, null, null, "../x")));
        rejected("invalid VM name", () -> manager.create(new VmDefinition("../etc", 1, 64, "demo", null, null, null)));
        rejected("already exists", () -> manager.create(new VmDefinition("taken", 2, 128, "demo", null, null, null)));
        rejected("either --image or --kernel", () -> manager.create(new VmDefinition("x", 1, 64, "demo", "/vmlinuz", null, null)));
        rejected("no VM named", () -> manager.start("nope"));
        assertEquals(VmState.DEFINED, manager.info("taken").state());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.management.internal.Host#guestBackends")
    void startingARunningVmIsRefused(String backend) throws Exception {
        Host.requireBackend(backend);
        manager = Host.manager(dir);
        manager.create(new VmDefinition("once", 1, 64, "demo", null, null, null, backend));
        manager.start("once");
        rejected("already running", () -> manager.start("once"));
        rejected("stop it first", () -> manager.delete("once", false));
        assertEquals(VmState.RUNNING, manager.info("once").state());
        manager.stop("once");
        rejected("not running", () -> manager.stop("once"));
    }

    @Test
    void aCorruptDefinitionIsSkippedAndTheOthersLoad() throws Exception {
        manager = Host.manager(dir);
        manager.create(new VmDefinition("good", 2, 128, "demo", null, null, null));
        manager.deactivate();
        Files.writeString(dir.resolve("broken.json"), "{ \"name\": \"broken\", \"cpus\": ");
        Files.writeString(dir.resolve("liar.json"), "{\"name\":\"other\",\"cpus\":1,\"memoryMib\":64,\"image\":\"demo\"}");

        manager = Host.manager(dir);

        assertEquals(List.of("good"), manager.list().stream().map(VmInfo::name).toList());
        assertEquals(2, manager.loadProblems().size());
        assertTrue(manager.loadProblems().get("broken.json").contains("not a valid VM definition"),
                manager.loadProblems().toString());
        assertTrue(manager.loadProblems().get("liar.json").contains("file name"), manager.loadProblems().toString());
    }

    @Test
    void absurdDefinitionsOnDiskAreNamedAndNotLoaded() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("huge.json"),
                "{\"name\":\"huge\",\"cpus\":1,\"memoryMib\":9223372036854775807,\"image\":\"demo\"}");
        Files.writeString(dir.resolve("many.json"), "{\"name\":\"many\",\"cpus\":100000,\"memoryMib\":64,\"image\":\"demo\"}");
        Files.writeString(dir.resolve("none.json"), "{\"name\":\"none\",\"cpus\":-2,\"memoryMib\":64,\"image\":\"demo\"}");
        manager = Host.manager(dir);
        assertEquals(List.of(), manager.list().stream().map(VmInfo::name).toList());
        assertTrue(manager.loadProblems().get("huge.json").contains("MiB of memory requested"), manager.loadProblems().toString());
        assertTrue(manager.loadProblems().get("many.json").contains("vCPUs requested"), manager.loadProblems().toString());
        assertTrue(manager.loadProblems().get("none.json").contains("at least 1 vCPU"), manager.loadProblems().toString());
    }

    @Test
    void definitionsSurviveARestart() {
        manager = Host.manager(dir);
        manager.create(new VmDefinition("one", 1, 64, "demo", null, null, null));
        manager.create(new VmDefinition("two", 4, 512, "demo", null, null, "quiet"));
        manager.deactivate();

        manager = Host.manager(dir);

        assertEquals(List.of("one", "two"), manager.list().stream().map(VmInfo::name).toList());
        assertEquals(new VmDefinition("two", 4, 512, "demo", null, null, "quiet"), manager.info("two").definition());
    }

    @Test
    void kvmNotAccessibleIsAClearFailure() {
        manager = Host.manager(dir, new KvmBackend(Path.of("/nonexistent/kvm")));
        manager.create(new VmDefinition("nokvm", 1, 64, "demo", null, null, null));
        VmException e = assertThrows(VmException.class, () -> manager.start("nokvm"));
        assertTrue(e.getMessage().contains("/nonexistent/kvm"), e.getMessage());
        assertEquals(VmState.FAILED, manager.info("nokvm").state());
        assertTrue(manager.info("nokvm").failureReason().contains("/nonexistent/kvm"));
    }
}
