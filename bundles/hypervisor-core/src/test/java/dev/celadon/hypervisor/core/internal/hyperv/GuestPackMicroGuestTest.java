package dev.celadon.hypervisor.core.internal.hyperv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.device.serial.Uart16550;
import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.guest.windows.internal.WindowsGuestPack;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.hypervisor.core.internal.hyperv.HyperVMicroGuestTest.Console;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.internal.KernelLoader;
import org.junit.jupiter.api.Test;

/**
 * The hvpack micro-guest on the real emulator with the real Linux and Windows packs: the leaves the guest itself
 * reads differ as the packs' READMEs document, the APIC access MSRs work from the guest where (and only where) they
 * are advertised, HvNotifyLongSpinWait is answered, and a Windows-layout guest OS id is decoded as Windows.
 */
class GuestPackMicroGuestTest {

    /** Windows Server 2022: vendor 1 (Microsoft), OS id 4 (NT), version 10.0, service version 0, build 20348. */
    static final long WINDOWS_2022_OS_ID = 0x0001_040A_0000_4F7CL;

    private record Run(Console console, HvPartition hv) {
    }

    private static Run run(PartitionManagerImpl pm, String guest, String cmdline) throws Exception {
        Partition p = pm.create(new PartitionConfig("hvpack-" + guest, 1, 32L << 20, "emulator", guest));
        try {
            HvPartition hv = new HyperVService().of(p).orElseThrow();
            Console con = new Console();
            Uart16550.attach(p, Uart16550.COM1_BASE, p.interrupts().line(Uart16550.COM1_IRQ), con);
            LoadedImage img = new KernelLoader().load(p.memory(), BootRequest.of(MicroGuests.image("hvpack"), null,
                    cmdline));
            p.start(img.bootState());
            con.await("hvpack done", p);
            return new Run(con, hv);
        } finally {
            p.stop();
        }
    }

    @Test
    void theLinuxAndWindowsPacksGiveTheGuestTheirDocumentedLeavesAndTheApicMsrsWorkWhereAdvertised() throws Exception {
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack(), new WindowsGuestPack());
        pm.register("emulator", 50, new EmulatorBackend());
        assertEquals(java.util.List.of("linux", "windows"), pm.guestPacks());

        // Linux: the old profile bit for bit, as the guest's CPUID returns it; no APIC access MSRs.
        Run linux = run(pm, "linux", "");
        Console l = linux.console();
        assertEquals("31237648", l.value("interface"), "Hv#1");
        assertEquals("8064 30 0 0", l.value("cpuid 40000003"));
        assertEquals("200 ffffffff 0 0", l.value("cpuid 40000004"));
        assertEquals("1 eoi-write gp=1", l.value("apic-msrs-absent tpr-read gp"), "unadvertised MSRs take #GP");
        assertEquals("linux", linux.hv().guestPack());
        assertEquals("", linux.hv().withheld(), "the Linux pack asks only for what is implemented");
        assertEquals("Linux 6.1.176 (os id 0, build 0)", linux.hv().guestOsId().describe());

        // Windows: relaxed timing, APIC MSRs and deprecating auto-EOI granted; the TLB-flush, reset and cluster-IPI
        // hints and the MSRs nothing implements here (VP runtime, reset; timing and stimer without their
        // enlightenments) withheld; spinlock retries 0xFFF.
        Run windows = run(pm, "windows", "osid=" + Long.toHexString(WINDOWS_2022_OS_ID));
        Console w = windows.console();
        assertEquals("74 30 0 0", w.value("cpuid 40000003"), "SynIC, APIC MSRs, hypercall MSRs, VP index");
        assertEquals("228 fff 0 0", w.value("cpuid 40000004"), "APIC MSRs, relaxed timing, deprecating AEOI; 0xFFF");
        assertEquals("0x40000003.EAX 0xa8b 0x40000004.EAX 0x416", windows.hv().withheld());
        assertEquals("features=0x74 privileges=0x30 misc=0x0 recommendations=0x228 spinlock-retries=0xfff",
                windows.hv().advertised());
        // TPR written through MSR 0x40000072 is the LAPIC's TPR, and the other way round.
        assertEquals("0 mmio=50", w.value("tpr-msr-write gp"));
        assertEquals("20 gp=0", w.value("tpr-mmio-write msr"));
        assertEquals("1", w.value("tpr-reserved gp"));
        assertEquals("1", w.value("eoi-read gp"), "HV_X64_MSR_EOI is write-only");
        assertEquals("1", w.value("eoi-reserved gp"));
        assertEquals("1", w.value("icr-reserved gp"));
        // The self-IPI sent through the ICR MSR arrived once, was in service in its handler, and the EOI MSR
        // retired it; the ICR reads back what was sent (self shorthand, vector 0x40).
        assertEquals("0 count=1 isr-in-handler=1 isr-after-eoi=0 eoi-gp=0 icr=40040", w.value("ipi gp"));
        // HvNotifyLongSpinWait: answered (the bad rep count refused by the control-word check), counted.
        assertEquals(Integer.toHexString(HvStatus.SUCCESS), w.value("status spinwait-fast"));
        assertEquals(Integer.toHexString(HvStatus.INVALID_HYPERCALL_INPUT), w.value("status spinwait-rep"));
        assertEquals(1, windows.hv().spinWaitNotifications());
        // The Windows-layout guest OS id the guest wrote, decoded as hv:partition shows it.
        assertEquals("0", w.value("guest-os-id gp"));
        assertTrue(windows.hv().guestOsId().microsoft());
        assertEquals("Microsoft Windows NT 10.0 (Windows Server 2022) sp 0 build 20348 (os id 4)",
                windows.hv().guestOsId().describe());
    }

    @Test
    void aPartitionNamingAMissingPackIsNotCreatedAndTheErrorNamesIt() {
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
        pm.register("emulator", 50, new EmulatorBackend());
        HypervisorException e = assertThrows(HypervisorException.class,
                () -> pm.create(new PartitionConfig("nopack", 1, 32L << 20, "emulator", "windows")));
        assertEquals("guest pack 'windows' is not present (its bundle is not active); packs: linux", e.getMessage());
        assertTrue(pm.partitions().isEmpty(), "nothing was created");
        assertThrows(HypervisorException.class, () -> new PartitionConfig("bad", 1, 32L << 20, "emulator", "Win dows"));
    }
}
