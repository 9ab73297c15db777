package dev.celadon.emulator.cpu;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test rig: guest RAM, the test platform, one or more Cpus, and GNU as to build flat binaries at test time. */
final class Machine {
    final PhysicalMemory mem;
    final TestPlatform platform = new TestPlatform();
    final Cpu cpu;

    Machine(int ramBytes) {
        this(ramBytes, Tier.fromSystemProperty());
    }

    Machine(int ramBytes, Tier tier) {
        ByteBuffer ram = ByteBuffer.allocateDirect(ramBytes).order(ByteOrder.LITTLE_ENDIAN);
        mem = PhysicalMemory.of(ram);
        cpu = new Cpu(0, mem, platform, tier);
        platform.cpu = cpu;
    }

    Machine() {
        this(16 << 20);
    }

    /** Assembles {@code source} (GNU as syntax) linked at {@code origin} into a flat binary. */
    static byte[] assemble(String source, long origin) {
        try {
            Path dir = Files.createTempDirectory("celadon-asm");
            try {
                Files.writeString(dir.resolve("t.S"), source);
                Assumptions.assumeTrue(run(dir, "as", "--64", "-o", "t.o", "t.S") == 0, "GNU as failed or is missing");
                assertEquals(0, run(dir, "ld", "-m", "elf_x86_64", "-N", "-Ttext=0x" + Long.toHexString(origin),
                        "--oformat", "binary", "-o", "t.bin", "t.o"), "ld");
                return Files.readAllBytes(dir.resolve("t.bin"));
            } finally {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int run(Path dir, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            if (p.exitValue() != 0) {
                System.err.println(String.join(" ", cmd) + ": " + out);
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Assembles and loads at {@code origin}. */
    Machine load(String source, long origin) {
        mem.write(origin, assemble(source, origin));
        return this;
    }

    /** Real mode at 0000:origin, as after a SIPI. */
    Machine realMode(long origin) {
        cpu.startupIpi(0);
        cpu.setRip(origin);
        return this;
    }

    /** Runs until something other than ATTENTION (or the step limit of runs). */
    ExitReason run() {
        ExitReason r;
        int n = 0;
        do {
            r = cpu.run();
        } while (r == ExitReason.ATTENTION && ++n < 1000 && platform.exitCodes.isEmpty());
        return r;
    }

    String out() {
        return platform.output();
    }
}
