package dev.celadon.emulator.cpu.difftest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host CPU as an oracle: oracle.c, built with gcc, run as a child process and fed batches of cases over
 * its stdin (the protocol is described in oracle.c). A writer thread streams each batch while this thread
 * reads the answers, so neither pipe can fill up and block both sides.
 */
public final class NativeOracle implements AutoCloseable {
    private final Process process;
    private final OutputStream in;
    private final DataInputStream out;

    private NativeOracle(Process process) {
        this.process = process;
        this.in = new BufferedOutputStream(process.getOutputStream(), 1 << 20);
        this.out = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 20));
    }

    /** The oracle's C source, whether run from the bundle (surefire) or from the repository root (bench). */
    public static Path source() {
        String p = System.getProperty("celadon.difftest.oracle");
        for (Path c : p != null ? List.of(Path.of(p)) : List.of(Path.of("src/test/c/oracle.c"),
                Path.of("bundles/emulator/src/test/c/oracle.c")))
            if (Files.isRegularFile(c)) return c;
        throw new IllegalStateException("oracle.c not found (run from bundles/emulator, or set celadon.difftest.oracle)");
    }

    /** Compiles oracle.c into {@code dir} (with gcc) unless the binary there is newer, and starts it. */
    public static NativeOracle start(Path dir) throws IOException, InterruptedException {
        Path src = source();
        Files.createDirectories(dir);
        Path bin = dir.resolve("oracle");
        if (!Files.exists(bin) || Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) < 0) {
            Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String msg = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0)
                throw new IOException("gcc failed to build the oracle: " + msg);
        }
        return new NativeOracle(new ProcessBuilder(bin.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    public List<Outcome> run(List<TestCase> cases) throws IOException {
        IOException[] failure = new IOException[1];
        Thread writer = new Thread(() -> {
            try {
                writeBatch(cases);
            } catch (IOException e) {
                failure[0] = e;
            }
        }, "difftest-oracle-writer");
        writer.start();
        List<Outcome> results = new ArrayList<>(cases.size());
        try {
            for (TestCase c : cases) results.add(readOutcome(c));
        } catch (IOException e) {
            throw new IOException("the oracle stopped (exit " + exitCode() + ") around case " + results.size()
                    + " of " + cases.size() + ", form " + cases.get(Math.min(results.size(), cases.size() - 1)).form(), e);
        } finally {
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure[0] != null) throw failure[0];
        return results;
    }

    private String exitCode() {
        try {
            return process.waitFor(1, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            return "?";
        }
    }

    private void writeBatch(List<TestCase> cases) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(cases.size());
        for (TestCase c : cases) {
            int patchBytes = 0;
            for (MemoryRun p : c.patches()) patchBytes += 4 + p.bytes().length;
            int need = 8 + 18 * 8 + c.nativeCode().length + patchBytes;
            if (b.remaining() < need) {
                in.write(b.array(), 0, b.position());
                b.clear();
                if (b.remaining() < need) b = ByteBuffer.allocate(need).order(ByteOrder.LITTLE_ENDIAN);
            }
            b.putShort((short) c.nativeCode().length).putShort((short) patchBytes).putInt(0);
            for (long r : c.regs()) b.putLong(r);
            b.putLong(c.rflags()).putLong(c.fillSeed());
            b.put(c.nativeCode());
            for (MemoryRun p : c.patches()) b.putShort((short) p.offset()).putShort((short) p.bytes().length).put(p.bytes());
        }
        in.write(b.array(), 0, b.position());
        in.flush();
    }

    private final byte[] header = new byte[16 + 18 * 8 + 8];

    private Outcome readOutcome(TestCase c) throws IOException {
        out.readFully(header);
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int status = h.get(0) & 0xFF, vector = h.get(1) & 0xFF, err = h.getInt(4), diffBytes = h.getInt(8);
        long[] regs = new long[16];
        for (int i = 0; i < 16; i++) regs[i] = h.getLong(16 + 8 * i);
        long rflags = h.getLong(144), rip = h.getLong(152), cr2 = h.getLong(160);
        byte[] d = new byte[diffBytes];
        out.readFully(d);
        List<MemoryRun> runs = new ArrayList<>();
        ByteBuffer db = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        while (db.remaining() >= 4) {
            int off = db.getShort() & 0xFFFF, len = db.getShort() & 0xFFFF;
            byte[] bytes = new byte[len];
            db.get(bytes);
            runs.add(new MemoryRun(off, bytes));
        }
        Outcome.Status st = switch (status) {
            case 0 -> Outcome.Status.COMPLETED;
            case 1 -> Outcome.Status.EXCEPTION;
            default -> Outcome.Status.TIMEOUT;
        };
        return new Outcome(st, st == Outcome.Status.EXCEPTION ? vector : -1, err, regs, rflags, rip, cr2, runs, null);
    }

    @Override
    public void close() throws IOException {
        try {
            in.write(new byte[4]); // a batch of 0 cases ends the oracle
            in.flush();
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

}
