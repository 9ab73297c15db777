package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static dev.celadon.management.internal.Host.console;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest pack of a VM: stored in its definition (old definitions without one are Linux), checked against the
 * packs present when the VM is defined, and applied by the core when the VM starts: the hvpack micro-guest on the
 * emulator reads the Windows pack's leaves and uses the APIC access MSRs.
 */
class GuestPackVmTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    private static VmDefinition hvpack(String name, String guest, String cmdline) {
        return new VmDefinition(name, 1, 32, "hvpack", null, null, cmdline, "emulator", List.of(), guest);
    }

    @Test
    void aVmGetsItsPacksLeavesOldDefinitionsAreLinuxAndAnUnknownPackIsRefused() throws Exception {
        // A definition written before guest packs: no "guest" key.
        Files.writeString(dir.resolve("old.json"),
                "{\"name\":\"old\",\"cpus\":1,\"memoryMib\":32,\"image\":\"hvpack\",\"backend\":\"emulator\"}");
        manager = Host.manager(dir);
        assertEquals(List.of("linux", "windows"), manager.guestPacks());
        VmDefinition old = manager.info("old").definition();
        assertNull(old.guest());
        assertEquals("linux", old.guestOrDefault());

        VmException unknown = assertThrows(VmException.class, () -> manager.create(hvpack("sol", "solaris", null)));
        assertEquals("guest pack 'solaris' is not present (its bundle is not active); packs: linux, windows",
                unknown.getMessage());
        assertTrue(manager.list().stream().noneMatch(v -> v.name().equals("sol")));
        VmException bad = assertThrows(VmException.class, () -> manager.create(hvpack("bad", "Windows 11", null)));
        assertTrue(bad.getMessage().startsWith("invalid guest pack name 'Windows 11'"), bad.getMessage());

        manager.create(hvpack("win", "windows", "osid=1040a00004f7c"));
        assertEquals("windows", new ObjectMapper().readTree(dir.resolve("win.json").toFile()).get("guest").asText());

        manager.start("old");
        awaitConsole(manager, "old", "hvpack done", 60);
        String linux = console(manager, "old").replace("\r", "");
        assertTrue(linux.contains("cpuid 40000003=8064 30 0 0\n") && linux.contains("cpuid 40000004=200 ffffffff 0 0\n"),
                linux);
        assertTrue(linux.contains("apic-msrs-absent tpr-read gp=1 eoi-write gp=1\n"), linux);

        manager.start("win");
        awaitConsole(manager, "win", "hvpack done", 60);
        String windows = console(manager, "win").replace("\r", "");
        assertTrue(windows.contains("cpuid 40000003=74 30 0 0\n") && windows.contains("cpuid 40000004=228 fff 0 0\n"),
                windows);
        assertTrue(windows.contains("tpr-msr-write gp=0 mmio=50\n"), windows);
        assertTrue(windows.contains("ipi gp=0 count=1 isr-in-handler=1 isr-after-eoi=0 eoi-gp=0"), windows);
        assertTrue(windows.contains("status spinwait-fast=0\n"), windows);

        // Reloaded from disk, each keeps its pack.
        manager.deactivate();
        manager = Host.manager(dir);
        assertEquals("windows", manager.info("win").definition().guestOrDefault());
        assertEquals("linux", manager.info("old").definition().guestOrDefault());
    }
}
