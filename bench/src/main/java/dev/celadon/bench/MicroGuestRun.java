package dev.celadon.bench;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.linux.acpi.AcpiConfig;
import dev.celadon.guest.linux.acpi.AcpiImage;
import dev.celadon.guest.linux.acpi.AcpiTables;
import dev.celadon.guest.linux.acpi.SerialPortDevice;
import dev.celadon.guest.linux.acpi.SleepControl;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import dev.celadon.hypervisor.api.intercept.PortIoHandler;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.internal.KernelLoader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs one micro-guest on a backend named by its class, outside OSGi: the hook through which bench/cpu.sh runs
 * the cpubench and bench guests on the emulator backend ({@value #EMULATOR}) once that bundle is on the
 * classpath. The class is loaded by name so this compiles and runs (saying so) before the bundle exists.
 *
 * <p>The platform is the management's, reduced to what micro-guests use: ACPI tables at 0xE0000 (MADT for
 * the smp guest), the FADT sleep register (poweroff), COM1 transmit only (to stdout), QEMU's isa-debug-exit
 * port 0xF4 (also ends the run), and a counter on the bench guest's port.
 *
 * <p>Usage: MicroGuestRun [--backend-class C] [--guest NAME | --elf FILE] [--append S] [--cpus N] [--mem MiB]
 * [--timeout SECONDS] [--count-port 0xP]
 *
 * <p>Prints the guest's console on stdout and, on stderr, one line
 * {@code micro-guest-run: end=<poweroff|failed|timeout> seconds=<start to end> port_writes=<n>
 * exits_per_sec=<r>} (the rate from the first to the last write to the counted port).
 * Exit status: 0 the guest powered off, 1 it failed (the reason is printed), 2 bad usage, 3 the backend is not
 * built or not available here, 4 timeout.
 */
public final class MicroGuestRun {

    /** The emulator backend, being written in bundles/emulator (same SPI as the KVM backend). */
    public static final String EMULATOR = "dev.celadon.emulator.internal.EmulatorBackend";

    static final long ACPI_BASE = 0xE0000L;
    static final long ACPI_SIZE = 0x20000L;
    static final int COM1 = 0x3F8;
    static final int DEBUG_EXIT = 0xF4;

    /** COM1 reduced to transmitting: THR writes go to the output; LSR always says "transmitter empty". */
    static final class ConsolePort implements PortIoHandler {
        private final PrintStream out;

        ConsolePort(PrintStream out) {
            this.out = out;
        }

        @Override
        public int read(VirtualProcessor vp, int port, int size) {
            return port == COM1 + 5 ? 0x60 : 0; // LSR: THRE | TEMT
        }

        @Override
        public void write(VirtualProcessor vp, int port, int size, int value) {
            if (port == COM1 && value != '\r') {
                out.write(value & 0xFF);
                if (value == '\n') {
                    out.flush();
                }
            }
        }
    }

    /** Port writes counted (the bench guest's port), first and last noted; 0xF4 stops the partition. */
    static final class Ports implements PortIoHandler {
        private final Partition partition;
        private final int countPort;
        volatile long writes;
        volatile long first;
        volatile long last;
        volatile long exitAt;

        Ports(Partition partition, int countPort) {
            this.partition = partition;
            this.countPort = countPort;
        }

        @Override
        public int read(VirtualProcessor vp, int port, int size) {
            return 0xFFFFFFFF;
        }

        @Override
        public void write(VirtualProcessor vp, int port, int size, int value) {
            long now = System.nanoTime();
            if (port == DEBUG_EXIT) {
                exitAt = now;
                partition.stop();
                return;
            }
            if (port == countPort) {
                if (writes++ == 0) {
                    first = now;
                }
                last = now;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String backendClass = EMULATOR;
        String guest = "cpubench";
        Path elfFile = null;
        String append = "";
        int cpus = 1;
        long memMib = 64;
        long timeoutSeconds = 600;
        int countPort = 0x510;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--backend-class" -> backendClass = args[++i];
                    case "--guest" -> guest = args[++i];
                    case "--elf" -> elfFile = Path.of(args[++i]);
                    case "--append" -> append = args[++i];
                    case "--cpus" -> cpus = Integer.parseInt(args[++i]);
                    case "--mem" -> memMib = Long.parseLong(args[++i]);
                    case "--timeout" -> timeoutSeconds = Long.parseLong(args[++i]);
                    case "--count-port" -> countPort = Integer.decode(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("micro-guest-run: " + e.getMessage());
            System.exit(2);
        }
        HypervisorBackend backend;
        try {
            backend = (HypervisorBackend) Class.forName(backendClass).getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            System.err.println("micro-guest-run: emulator backend not built yet (no class " + backendClass
                    + " on the classpath)");
            System.exit(3);
            return;
        }
        if (!backend.capabilities().available()) {
            System.err.println("micro-guest-run: backend " + backendClass + " is not available here: "
                    + backend.capabilities().unavailableReason());
            System.exit(3);
        }
        byte[] elf = elfFile != null ? Files.readAllBytes(elfFile) : MicroGuests.image(guest);
        PartitionManagerImpl partitions = new PartitionManagerImpl(new LinuxGuestPack());
        partitions.register("bench-backend", 1, backend);
        Partition p = partitions.create(PartitionConfig.ofMib("micro-" + guest, cpus, memMib, "bench-backend"));
        Ports ports = new Ports(p, countPort);
        String end;
        long started;
        try {
            // The MADT describes the interrupt hardware this backend really built (the smp guest reads it).
            AcpiImage acpi = AcpiTables.build(new AcpiConfig(p.interrupts().topology(),
                    List.of(new SerialPortDevice("COM1", COM1, 4))), ACPI_BASE);
            p.memory().write(acpi.baseAddress(), acpi.bytes());
            SleepControl.attach(p);
            p.intercepts().portIo(COM1, 8, new ConsolePort(System.out));
            p.intercepts().portIo(DEBUG_EXIT, 1, ports);
            if (countPort != DEBUG_EXIT && (countPort < COM1 || countPort >= COM1 + 8)
                    && (countPort & ~1) != AcpiTables.SLEEP_CONTROL_PORT) {
                p.intercepts().portIo(countPort, 1, ports);
            }
            LoadedImage image = new KernelLoader().load(p.memory(),
                    new BootRequest(elf, null, append, acpi.rsdpAddress(), new MemoryRegion(ACPI_BASE, ACPI_SIZE)));
            started = System.nanoTime();
            p.start(image.bootState());
            boolean ended = p.awaitTermination(Duration.ofSeconds(timeoutSeconds));
            long now = System.nanoTime();
            end = !ended ? "timeout" : p.state() == PartitionState.FAILED ? "failed" : "poweroff";
            double seconds = ((ports.exitAt != 0 ? Math.min(ports.exitAt, now) : now) - started) / 1e9;
            System.out.flush();
            double portSeconds = (ports.last - ports.first) / 1e9;
            System.err.printf("micro-guest-run: end=%s seconds=%.6f port_writes=%d exits_per_sec=%.0f%s%n", end,
                    seconds, ports.writes, ports.writes > 1 && portSeconds > 0 ? (ports.writes - 1) / portSeconds : 0,
                    end.equals("failed") ? " reason=" + p.failureReason().orElse("?") : "");
        } finally {
            p.stop();
            p.awaitTermination(Duration.ofSeconds(10));
            partitions.deactivate();
        }
        System.exit(switch (end) {
            case "poweroff" -> 0;
            case "failed" -> 1;
            default -> 4;
        });
    }
}
