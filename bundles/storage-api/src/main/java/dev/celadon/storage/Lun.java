package dev.celadon.storage;

/**
 * One disk on a storage controller: logical unit {@code number} of target 0 on path 0 (where Hyper-V puts the
 * disks of a synthetic SCSI controller and Linux finds them with REPORT LUNS), with the unit serial number the
 * guest reads from VPD page 0x80 (printable ASCII, at most {@value #MAX_SERIAL} characters).
 */
public record Lun(int number, StorageBackend backend, String serial) {
    /** Linux's storvsc scans LUNs 0..254 (STORVSC_MAX_LUNS_PER_TARGET). */
    public static final int MAX_LUNS = 255;
    public static final int MAX_SERIAL = 20;

    public Lun {
        if (number < 0 || number >= MAX_LUNS) {
            throw new IllegalArgumentException("LUN " + number + " is outside 0.." + (MAX_LUNS - 1));
        }
        if (backend == null) {
            throw new IllegalArgumentException("LUN " + number + " has no backend");
        }
        if (backend.blockSize() < 512 || Integer.bitCount(backend.blockSize()) != 1 || backend.blockSize() > 4096) {
            throw new IllegalArgumentException("LUN " + number + ": block size " + backend.blockSize()
                    + " is not a power of two in 512..4096");
        }
        if (backend.capacityBytes() <= 0 || backend.capacityBytes() % backend.blockSize() != 0) {
            throw new IllegalArgumentException("LUN " + number + ": capacity " + backend.capacityBytes()
                    + " is not a positive multiple of the block size");
        }
        if (serial == null || serial.isEmpty() || serial.length() > MAX_SERIAL
                || !serial.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            throw new IllegalArgumentException("LUN " + number + ": serial '" + serial + "' must be 1.."
                    + MAX_SERIAL + " printable ASCII characters without spaces");
        }
    }

    /** LUN {@code number} with serial {@code "celadon-<number>"}. */
    public static Lun of(int number, StorageBackend backend) {
        return new Lun(number, backend, "celadon-" + number);
    }

    public long blocks() {
        return backend.capacityBytes() / backend.blockSize();
    }
}
