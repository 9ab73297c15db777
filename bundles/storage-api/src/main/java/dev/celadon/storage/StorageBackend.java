package dev.celadon.storage;

import dev.celadon.vhd.VirtualDisk;
import org.osgi.annotation.versioning.ConsumerType;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A block device the storage VSP serves to a guest. Offsets and lengths the VSP passes are whole blocks inside
 * {@link #capacityBytes()} (it checks the guest's LBAs first); implementations must be safe for use by several
 * threads, since each channel of a controller runs on its own worker.
 */
@ConsumerType
public interface StorageBackend {

    /** The logical block size the guest sees (512 for every VHD). */
    int blockSize();

    /** The capacity in bytes, a multiple of {@link #blockSize()}. */
    long capacityBytes();

    /** Whether writes are refused (the guest gets DATA PROTECT / WRITE PROTECTED). */
    boolean readOnly();

    /** Reads {@code dst.remaining()} bytes at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}; durable only after {@link #flush()}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (SYNCHRONIZE CACHE, FUA). */
    void flush() throws IOException;

    /** A backend over {@code disk}, read-only if the disk was opened read-only. The disk stays the caller's to close. */
    static StorageBackend of(VirtualDisk disk) {
        return of(disk, disk.readOnly());
    }

    /** A backend over {@code disk}, read-only if {@code readOnly} (a writable disk may be served read-only). */
    static StorageBackend of(VirtualDisk disk, boolean readOnly) {
        if (!readOnly && disk.readOnly()) {
            throw new IllegalArgumentException("a disk opened read-only cannot be served writable");
        }
        return new VirtualDiskBackend(disk, readOnly);
    }
}
