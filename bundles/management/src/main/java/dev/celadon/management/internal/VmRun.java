package dev.celadon.management.internal;

import dev.celadon.device.serial.Uart16550;
import dev.celadon.guest.linux.acpi.AcpiConfig;
import dev.celadon.guest.linux.acpi.AcpiImage;
import dev.celadon.guest.linux.acpi.AcpiTables;
import dev.celadon.guest.linux.acpi.SerialPortDevice;
import dev.celadon.guest.linux.acpi.SleepControl;
import dev.celadon.guest.linux.acpi.VmbusAcpiDevice;
import dev.celadon.guest.linux.acpi.AcpiDevice;
import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionDevice;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HyperV;
import dev.celadon.hypervisor.api.PartitionListener;
import dev.celadon.hypervisor.api.PartitionManager;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.GuestLoader;
import dev.celadon.loader.LoadedImage;
import dev.celadon.management.VmDefinition;
import dev.celadon.vmbus.server.VmbusServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a VM: a partition with its ACPI tables, its COM1 UART, its VMBus server and its loaded image. The PC
 * platform the guest sees is fixed here: COM1 at 0x3F8/IRQ 4, ACPI tables at 0xE0000 with the VMBus device
 * ({@code \_SB.VMBS}, _HID "VMBus") when the partition has a Hyper-V layer, IOAPIC and LAPICs in-kernel.
 *
 * <p>Release order when the partition ends (the core closes devices in the reverse order of attachment, after the
 * processors and before memory): the VMBus server (its channels closed, their workers joined, its connection ids
 * dropped) before anything attached earlier.
 */
final class VmRun {

    static final long ACPI_BASE = 0xE0000L;
    static final long ACPI_SIZE = 0x20000L;

    /** The emulator's TSC (its VirtualClock): 1 GHz on every vCPU. */
    static final long EMULATOR_TSC_HZ = 1_000_000_000L;

    private final Partition partition;
    private final Uart16550 uart;
    private final VmbusServer vmbus;
    private final Map<String, String> facts = new LinkedHashMap<>();

    private VmRun(Partition partition, Uart16550 uart, VmbusServer vmbus) {
        this.partition = partition;
        this.uart = uart;
        this.vmbus = vmbus;
    }

    /** Builds and starts the partition; on any error, everything made so far is released. */
    static VmRun launch(PartitionManager partitions, HyperV hyperV, GuestLoader loader, VmDefinition d,
                        BootImage image, ConsoleBuffer console, PartitionListener listener) {
        Partition p = partitions.create(PartitionConfig.ofMib(d.name(), d.cpus(), d.memoryMib(), d.backendOrAuto()));
        Uart16550 uart = null;
        try {
            List<AcpiDevice> devices = new ArrayList<>();
            devices.add(new SerialPortDevice("COM1", Uart16550.COM1_BASE, Uart16550.COM1_IRQ));
            VmbusServer vmbus = attachVmbus(p, hyperV);
            if (vmbus != null) {
                devices.add(VmbusAcpiDevice.standard());
            }
            // The MADT describes the interrupt hardware this backend really built.
            AcpiImage acpi = AcpiTables.build(new AcpiConfig(p.interrupts().topology(), devices), ACPI_BASE);
            p.memory().write(acpi.baseAddress(), acpi.bytes());
            uart = Uart16550.attach(p, Uart16550.COM1_BASE, p.interrupts().line(Uart16550.COM1_IRQ), console);
            SleepControl.attach(p); // the guest's ACPI poweroff; registrations end with the partition
            String cmdline = image.cmdlineFor(p.backend(), EMULATOR_TSC_HZ);
            LoadedImage loaded = loader.load(p.memory(), new BootRequest(image.kernel(), image.initrd(),
                    cmdline, acpi.rsdpAddress(), new MemoryRegion(ACPI_BASE, ACPI_SIZE)));
            VmRun run = new VmRun(p, uart, vmbus);
            run.facts.put("boot", image.source() + " (" + loaded.format() + ")");
            run.facts.put("vmbus", vmbus != null ? "server on SINT " + VmbusServer.VMBUS_MESSAGE_SINT
                    + ", ACPI \\_SB." + VmbusAcpiDevice.NAME : "none: the partition has no Hyper-V layer");
            run.facts.put("loader", loaded.summary());
            if (!cmdline.isEmpty()) {
                run.facts.put("cmdline", cmdline);
            }
            run.facts.putAll(p.backend().asMap());
            console.connect(uart);
            p.addListener(listener);
            p.start(loaded.bootState());
            return run;
        } catch (RuntimeException e) {
            console.connect(null);
            if (uart != null) {
                uart.close();
            }
            p.stop();
            throw e;
        }
    }

    /**
     * A VMBus server on the partition's Hyper-V layer, attached so that it is closed with the partition (after the
     * processors, before memory); null when the partition has none (a backend outside the core, a test double).
     */
    private static VmbusServer attachVmbus(Partition p, HyperV hyperV) {
        HvPartition hv = hyperV == null ? null : hyperV.of(p).orElse(null);
        if (hv == null) {
            return null;
        }
        VmbusServer server = VmbusServer.create(hv, p.memory(), p.config().vpCount());
        p.addDevice(new PartitionDevice() {
            @Override
            public String name() {
                return "vmbus-server";
            }

            @Override
            public void close() {
                server.close();
            }
        });
        return server;
    }

    Partition partition() {
        return partition;
    }

    /** The VMBus server of this run, or null. */
    VmbusServer vmbus() {
        return vmbus;
    }

    /** What was decided at start, and the backend's live figures (instructions retired, ...). */
    Map<String, String> facts() {
        Map<String, String> m = new LinkedHashMap<>(facts);
        try {
            m.putAll(partition.backendInfo());
        } catch (RuntimeException e) {
            // the partition ended while we looked; its start-time facts are still right
        }
        if (vmbus != null) {
            int v = vmbus.version();
            m.put("vmbus-version", v == 0 ? "not connected" : (v >>> 16) + "." + (v & 0xFFFF));
            m.put("vmbus-channels", Integer.toString(vmbus.channels().size()));
            m.put("vmbus-violations", Integer.toString(vmbus.violations().size()));
        }
        return m;
    }

    /** Detaches the console device once the partition has ended. */
    void release(ConsoleBuffer console) {
        console.connect(null);
        uart.close();
    }
}
