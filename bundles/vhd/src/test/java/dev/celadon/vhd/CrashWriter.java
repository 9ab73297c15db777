package dev.celadon.vhd;

import java.nio.file.Path;
import java.util.Random;

/**
 * The process the crash test kills: writes slot after slot into a VHD, flushing every one to three writes and
 * printing {@code ACK n} once slots up to n are flushed. Each slot's place and bytes are a function of its
 * number, so the test knows what every acknowledged slot must hold.
 */
public final class CrashWriter {
    static final int SLOT_SIZE = 8192;

    private CrashWriter() {
    }

    /** Virtual offset of slot k on a disk of {@code slots} slots: spread over the disk (7919 is odd, a permutation). */
    static long offset(long k, long slots) {
        return (k * 7919 % slots) * SLOT_SIZE + k * 37 % 1000;
    }

    static byte[] data(long k) {
        byte[] b = new byte[1000 + (int) (k * 131 % 6000)];
        new Random(k * 1_000_003L + 17).nextBytes(b);
        return b;
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        long k = Long.parseLong(args[1]);
        try (VirtualDisk d = Vhd.open(path, false)) {
            long slots = d.size() / SLOT_SIZE;
            System.out.println("READY");
            System.out.flush();
            Random r = new Random(k);
            while (true) {
                int batch = 1 + r.nextInt(3);
                for (int i = 0; i < batch; i++, k++) {
                    d.write(offset(k, slots), data(k));
                }
                d.flush();
                System.out.println("ACK " + (k - 1));
                System.out.flush();
            }
        }
    }
}
