package dev.celadon.storvsc;

import dev.celadon.storage.Lun;
import dev.celadon.storage.StorageBackend;
import dev.celadon.storvsp.StorageVsp;
import dev.celadon.vhd.Vhd;
import dev.celadon.vhd.VirtualDisk;
import dev.celadon.vmbus.server.GuestLoopback;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

/**
 * bench/storage.sh's harness (not a test): a fixed VHD served by the storage VSP to the Java VSC over loopback
 * VMBus rings, 4 KiB random reads (queue depth 1) and 1 MiB sequential reads, against the host's own positional
 * reads (FileChannel.read at an offset is pread(2)) of the same file in the same JVM and page cache. Prints a
 * markdown table. Arguments: the directory for the disk file, the disk size in MiB, the seconds per random run.
 */
public final class StorageBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        long size = (args.length > 1 ? Long.parseLong(args[1]) : 256) << 20;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        Path file = Files.createTempDirectory(dir, "storage-bench").resolve("disk.vhd");
        Vhd.create(file, size, Vhd.Type.FIXED, null);
        Random rnd = new Random(1);
        try (VirtualDisk disk = Vhd.open(file, false)) {
            byte[] chunk = new byte[1 << 20];
            for (long at = 0; at < size; at += chunk.length) {
                rnd.nextBytes(chunk);
                disk.write(at, chunk);
            }
            disk.flush();
            try (GuestLoopback loop = new GuestLoopback(16 << 20)) {
                StorageVsp vsp = Controller.offer(loop, List.of(Lun.of(0, StorageBackend.of(disk))));
                loop.connect();
                Controller c = Controller.open(loop, vsp);
                c.vsc.initialize();
                long blocks = size / 512;
                // Warm-up: JIT and page cache.
                run(seconds / 2, rnd, blocks, lba -> c.vsc.read(0, lba, 8, 512));
                double vscIops = run(seconds, rnd, blocks, lba -> c.vsc.read(0, lba, 8, 512));
                double vscSeq = sequential(size, at -> c.vsc.read(0, at / 512, 2048, 512));
                try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
                    ByteBuffer small = ByteBuffer.allocateDirect(4096);
                    ByteBuffer big = ByteBuffer.allocateDirect(1 << 20);
                    Read host4k = lba -> {
                        small.clear();
                        fc.read(small, lba * 512);
                    };
                    run(seconds / 2, rnd, blocks, host4k);
                    double hostIops = run(seconds, rnd, blocks, host4k);
                    double hostSeq = sequential(size, at -> {
                        big.clear();
                        fc.read(big, at);
                    });
                    System.out.printf("| peer | 4 KiB random reads (IOPS, QD1) | 1 MiB sequential reads (MB/s) |%n");
                    System.out.printf("|---|---:|---:|%n");
                    System.out.printf("| host pread (FileChannel.read at an offset, same file, same JVM) | %.0f | %.0f |%n",
                            hostIops, hostSeq);
                    System.out.printf("| storage VSP in loopback (Java VSC, VMBus rings, SCSI READ(16)) | %.0f | %.0f |%n",
                            vscIops, vscSeq);
                    System.out.printf("%nVSP/host: random %.3f, sequential %.3f. Disk: fixed VHD of %d MiB,"
                            + " 4 KiB-aligned random LBAs, %.1f s per random run after a warm-up.%n",
                            vscIops / hostIops, vscSeq / hostSeq, size >> 20, seconds);
                }
            }
        }
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
    }

    interface Read {
        void at(long lba) throws Exception;
    }

    /** Random 4 KiB-aligned reads for {@code seconds}; returns reads per second. */
    private static double run(double seconds, Random rnd, long blocks, Read r) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() < end) {
            r.at(((long) rnd.nextInt((int) (blocks / 8))) * 8);
            n++;
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** Two sequential passes in 1 MiB reads; returns MB/s (10^6 bytes) of the second. */
    private static double sequential(long size, Read r) throws Exception {
        double mbs = 0;
        for (int pass = 0; pass < 2; pass++) {
            long t0 = System.nanoTime();
            for (long at = 0; at < size; at += 1 << 20) {
                r.at(at);
            }
            mbs = size / 1e6 / ((System.nanoTime() - t0) / 1e9);
        }
        return mbs;
    }
}
