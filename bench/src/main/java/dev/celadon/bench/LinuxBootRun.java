package dev.celadon.bench;

import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.device.serial.Uart16550;
import dev.celadon.guest.linux.acpi.AcpiConfig;
import dev.celadon.guest.linux.acpi.AcpiImage;
import dev.celadon.guest.linux.acpi.AcpiTables;
import dev.celadon.guest.linux.acpi.SerialPortDevice;
import dev.celadon.guest.linux.acpi.SleepControl;
import dev.celadon.hypervisor.api.MemoryRegion;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionState;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.internal.KernelLoader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Boots a Linux kernel and initramfs on the emulator backend, outside OSGi, with the platform management gives
 * a VM (ACPI tables at 0xE0000 with COM1, the 16550A UART on IRQ 4, ACPI poweroff, the Hyper-V layer the core
 * installs), and times the first console line containing the marker: bench/boot.sh's Celadon peer. The tier is
 * the emulator's system property ({@code -Dceladon.emulator.tier=interpreter|translator}).
 *
 * <p>Usage: LinuxBootRun --kernel FILE --initrd FILE --append S [--cpus N] [--mem MiB] [--marker TEXT]
 * [--timeout SECONDS] [--console FILE]
 *
 * <p>Prints on stdout one line {@code linux-boot-run: end=<marker|failed|timeout|poweroff> seconds=<partition
 * start to marker> line=<the marker line>}; the guest's console goes to --console (default: discarded).
 * Exit status 0 when the marker was seen, 1 otherwise, 2 bad usage, 3 the emulator is not available.
 */
public final class LinuxBootRun {

    static final long ACPI_BASE = 0xE0000L;
    static final long ACPI_SIZE = 0x20000L;

    public static void main(String[] args) throws Exception {
        Path kernel = null;
        Path initrd = null;
        String append = "";
        int cpus = 1;
        long memMib = 256;
        String marker = "CELADON-GUEST-READY";
        long timeoutSeconds = 600;
        Path consoleFile = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--kernel" -> kernel = Path.of(args[++i]);
                    case "--initrd" -> initrd = Path.of(args[++i]);
                    case "--append" -> append = args[++i];
                    case "--cpus" -> cpus = Integer.parseInt(args[++i]);
                    case "--mem" -> memMib = Long.parseLong(args[++i]);
                    case "--marker" -> marker = args[++i];
                    case "--timeout" -> timeoutSeconds = Long.parseLong(args[++i]);
                    case "--console" -> consoleFile = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (kernel == null || initrd == null) {
                throw new IllegalArgumentException("--kernel and --initrd are required");
            }
        } catch (RuntimeException e) {
            System.err.println("linux-boot-run: " + e.getMessage());
            System.exit(2);
            return;
        }
        HypervisorBackend backend = (HypervisorBackend) Class.forName(MicroGuestRun.EMULATOR)
                .getDeclaredConstructor().newInstance();
        if (!backend.capabilities().available()) {
            System.err.println("linux-boot-run: the emulator is not available: " + backend.capabilities().unavailableReason());
            System.exit(3);
        }
        PartitionManagerImpl partitions = new PartitionManagerImpl(new LinuxGuestPack());
        partitions.register("emulator", 1, backend);
        Partition p = partitions.create(PartitionConfig.ofMib("boot-bench", cpus, memMib, "emulator"));
        Console console = new Console(marker);
        String end;
        long started;
        Uart16550 uart = null;
        try {
            AcpiImage acpi = AcpiTables.build(new AcpiConfig(p.interrupts().topology(),
                    List.of(new SerialPortDevice("COM1", Uart16550.COM1_BASE, Uart16550.COM1_IRQ))), ACPI_BASE);
            p.memory().write(acpi.baseAddress(), acpi.bytes());
            uart = Uart16550.attach(p, Uart16550.COM1_BASE, p.interrupts().line(Uart16550.COM1_IRQ), console);
            SleepControl.attach(p);
            LoadedImage image = new KernelLoader().load(p.memory(), new BootRequest(Files.readAllBytes(kernel),
                    Files.readAllBytes(initrd), append, acpi.rsdpAddress(), new MemoryRegion(ACPI_BASE, ACPI_SIZE)));
            started = System.nanoTime();
            p.start(image.bootState());
            boolean seen = false;
            long deadline = started + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!seen && System.nanoTime() < deadline && !p.state().isTerminal()) {
                seen = console.seen.await(200, TimeUnit.MILLISECONDS);
            }
            seen = seen || console.seen.getCount() == 0;
            end = seen ? "marker" : p.state() == PartitionState.FAILED ? "failed"
                    : p.state().isTerminal() ? "poweroff" : "timeout";
            double seconds = ((seen ? console.seenAt : System.nanoTime()) - started) / 1e9;
            // How busy the boot was: guest instructions retired and the JVM's CPU time (all threads, JIT and GC
            // included) by the time the marker was seen; a boot far below one CPU-second per second waits.
            java.util.Map<String, String> facts = p.backendInfo();
            String retired = facts.getOrDefault("instructions-retired", "?");
            double cpu = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
            System.out.printf("linux-boot-run: end=%s seconds=%.3f retired=%s jvm_cpu_s=%.1f format=%s line=%s%s%n",
                    end, seconds, retired, cpu, image.format(), console.markerLine == null ? "" : console.markerLine,
                    end.equals("failed") ? " reason=" + p.failureReason().orElse("?") : "");
            System.out.println("linux-boot-run: tier=" + facts.getOrDefault("tier", "?") + " "
                    + facts.getOrDefault("translations-vcpu0", ""));
        } finally {
            p.stop();
            p.awaitTermination(java.time.Duration.ofSeconds(30));
            if (uart != null) {
                uart.close();
            }
            if (consoleFile != null) {
                Files.write(consoleFile, console.bytes());
            }
            partitions.deactivate();
        }
        System.exit(end.equals("marker") ? 0 : 1);
    }

    /** The console kept in memory; the first line containing the marker is noted with its time. */
    static final class Console implements dev.celadon.device.serial.SerialOutput {
        private final String marker;
        private final ByteArrayOutputStream all = new ByteArrayOutputStream();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        final CountDownLatch seen = new CountDownLatch(1);
        volatile long seenAt;
        volatile String markerLine;

        Console(String marker) {
            this.marker = marker;
        }

        @Override
        public synchronized void write(byte b) {
            all.write(b);
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1).strip();
                line.reset();
                if (seen.getCount() > 0 && text.contains(marker)) {
                    seenAt = System.nanoTime();
                    markerLine = text;
                    seen.countDown();
                }
            } else if (line.size() < 4096) {
                line.write(b);
            }
        }

        synchronized byte[] bytes() {
            return all.toByteArray();
        }
    }
}
