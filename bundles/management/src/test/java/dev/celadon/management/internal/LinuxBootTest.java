package dev.celadon.management.internal;

import static dev.celadon.management.internal.Host.awaitConsole;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.management.VmDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the guest kit's Debian cloud kernel to its READY line. On a software-nested KVM (kvm_pvm) the stock
 * kernel runs through KVM's instruction emulator and does not reach init in any reasonable time
 * (../shared/reference/software-nested-kvm.md), so there the test is skipped and says why.
 */
class LinuxBootTest {

    @TempDir
    Path dir;
    VmManagerImpl manager;

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.deactivate();
        }
    }

    /**
     * Runs everywhere KVM exists: the stock kernel, loaded by our bzImage loader, prints its banner and our
     * command line, takes our e820 map and finds our ACPI tables. Under kvm_pvm this early part takes seconds
     * even through the instruction emulator; the rest of the boot is what needs hardware virtualization.
     */
    @Test
    void debianCloudKernelTakesOurBootParamsAndAcpiTables() throws Exception {
        Host.requireKvmForLinux();
        manager = Host.manager(dir);
        manager.create(new VmDefinition("early", 1, 512, "linux", null, null, null));
        manager.start("early");
        awaitConsole(manager, "early", "Linux version 6.1", 240);
        awaitConsole(manager, "early", "Command line: console=ttyS0", 60);
        awaitConsole(manager, "early", "BIOS-e820: [mem 0x00000000000e0000-0x00000000000fffff] reserved", 60);
        awaitConsole(manager, "early", "ACPI: RSDP 0x00000000000E0000", 240);
        awaitConsole(manager, "early", "ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2", 240);
        awaitConsole(manager, "early", "Memory: ", 240);
    }

    @Test
    void debianCloudKernelReachesReady() throws Exception {
        Host.requireKvmForLinux();
        Assumptions.assumeFalse(Files.exists(Path.of("/sys/module/kvm_pvm")),
                "skipped: this host's KVM is software-nested (kvm_pvm); an unmodified Linux kernel runs through "
                        + "KVM's instruction emulator here and needs hardware virtualization to boot in test time");
        manager = Host.manager(dir);
        manager.create(new VmDefinition("linux", 2, 1024, "linux", null, null, null));
        manager.start("linux");
        awaitConsole(manager, "linux", "CELADON-GUEST-READY cpus=2", 300);
        String console = Host.console(manager, "linux");
        assertTrue(console.matches("(?s).*CELADON-GUEST-READY cpus=2 mem_kb=\\d+.*"), console);
        assertTrue(console.contains("Hypervisor detected") || console.contains("Linux version"), console);
    }
}
