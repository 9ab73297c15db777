package dev.celadon.vhd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 at random points of a process writing and flushing to a dynamic and to a differencing VHD, many
 * times: every file must open (ours and qemu's) and hold every write acknowledged by a completed flush.
 * Kills per image: system property {@code vhd.crash.kills} (default 15, the suite's).
 */
class CrashTest {
    static final int KILLS_EACH = Integer.getInteger("vhd.crash.kills", 15);
    static final long SIZE = 256L << 20;
    /** Small blocks so that most writes allocate one, and kills land inside allocations. */
    static final int BLOCK = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void dynamic() throws Exception {
        Path vhd = dir.resolve("dyn.vhd");
        Vhd.create(vhd, SIZE, Vhd.Type.DYNAMIC, null, BLOCK);
        killRepeatedly(vhd, new Random(1));
    }

    @Test
    void differencing() throws Exception {
        Path parent = dir.resolve("parent.vhd");
        Vhd.create(parent, SIZE, Vhd.Type.DYNAMIC, null);
        byte[] p = new byte[4 << 20];
        new Random(3).nextBytes(p);
        try (VirtualDisk d = Vhd.open(parent, false)) {
            for (long at = 0; at < SIZE; at += 32L << 20) {
                d.write(at, p); // parent data under part of what the child will write
            }
        }
        Path child = dir.resolve("child.vhd");
        Vhd.create(child, 0, Vhd.Type.DIFFERENCING, parent, BLOCK);
        killRepeatedly(child, new Random(2));
        assertEquals(List.of(), Vhd.check(parent), "the parent is never written");
    }

    private void killRepeatedly(Path vhd, Random random) throws Exception {
        long slots = SIZE / CrashWriter.SLOT_SIZE;
        long next = 0; // first slot of the next run
        long acked = -1; // every slot up to here is acknowledged
        int torn = 0;
        int orphans = 0;
        long excess = 0;
        long emptyLength = Files.size(vhd) - 512; // where the first block goes
        for (int run = 0; run < KILLS_EACH; run++) {
            Process p = new ProcessBuilder(javaCommand(vhd, next)).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                try {
                    for (String l; (l = out.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(l);
                            lines.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // the pipe closes when the process dies
                }
            });
            synchronized (lines) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!lines.contains("READY") && p.isAlive() && System.nanoTime() < deadline) {
                    lines.wait(100);
                }
            }
            assertTrue(lines.contains("READY"), () -> "child did not start: " + lines);
            Thread.sleep(5 + random.nextInt(200));
            p.destroyForcibly(); // SIGKILL
            p.waitFor();
            reader.get(10, TimeUnit.SECONDS);
            long last = -1;
            for (String l : lines) {
                if (l.startsWith("ACK ")) {
                    last = Long.parseLong(l.substring(4));
                } else if (!l.equals("READY")) {
                    throw new AssertionError("child said: " + lines);
                }
            }
            long runFirst = next;
            if (last >= 0) {
                acked = last;
                next = last + 1;
            }
            if (!trailingFooterPresent(vhd)) {
                torn++;
            } else {
                long e = (Files.size(vhd) - 512 - emptyLength) / (512 + BLOCK) - Vhd.info(vhd).allocatedBlocks();
                if (e > excess) {
                    orphans++; // killed after the new footer, before the BAT entry
                }
                excess = e;
            }
            // Our reader and qemu's must both find every acknowledged slot; check this run's and a sample of
            // older ones (all of them at the end).
            List<Long> check = new ArrayList<>();
            for (long k = runFirst; k <= acked; k++) {
                check.add(k);
            }
            for (int i = 0; i < 200 && acked >= 0; i++) {
                check.add((long) random.nextInt((int) acked + 1));
            }
            if (run == KILLS_EACH - 1) {
                check.clear();
                for (long k = 0; k <= acked; k++) {
                    check.add(k);
                }
            }
            List<String> problems = Vhd.check(vhd);
            int thisRun = run;
            for (String pr : problems) {
                assertTrue(pr.contains("no valid footer at the end"), () -> "run " + thisRun + ": " + problems);
            }
            Path raw = Qemu.toRaw(vhd, dir);
            try (VirtualDisk d = Vhd.open(vhd, true); RandomAccessFile q = new RandomAccessFile(raw.toFile(), "r")) {
                for (long k : check) {
                    byte[] want = CrashWriter.data(k);
                    byte[] got = new byte[want.length];
                    long at = CrashWriter.offset(k, slots);
                    d.read(at, got);
                    assertArrayEquals(want, got, "run " + run + ": acknowledged slot " + k + " lost");
                    q.seek(at);
                    q.readFully(got);
                    assertArrayEquals(want, got, "run " + run + ": qemu does not see acknowledged slot " + k);
                }
            }
            Files.delete(raw);
        }
        try (VirtualDisk d = Vhd.open(vhd, false)) {
            d.flush(); // a writable open repairs whatever the last kill left
        }
        assertEquals(List.of(), Vhd.check(vhd));
        System.out.println(vhd.getFileName() + ": " + KILLS_EACH + " kills, " + (acked + 1)
                + " slots acknowledged, " + torn + " kills left no trailing footer, " + orphans
                + " left an orphan block, " + Vhd.info(vhd).allocatedBlocks() + " blocks");
        assertTrue(acked > 100, "the writer must have got somewhere: " + acked);
    }

    private static boolean trailingFooterPresent(Path vhd) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(vhd.toFile(), "r")) {
            byte[] b = new byte[8];
            f.seek(f.length() - 512);
            f.readFully(b);
            return new String(b, StandardCharsets.US_ASCII).equals("conectix");
        }
    }

    private static List<String> javaCommand(Path vhd, long first) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), vhd.toString(),
                Long.toString(first));
    }
}
