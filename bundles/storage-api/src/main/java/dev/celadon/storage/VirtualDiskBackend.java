package dev.celadon.storage;

import dev.celadon.vhd.VirtualDisk;

import java.io.IOException;
import java.nio.ByteBuffer;

/** {@link StorageBackend} over a VHD or raw image; the VSP's range checks come first, so this only forwards. */
final class VirtualDiskBackend implements StorageBackend {
    private final VirtualDisk disk;
    private final boolean readOnly;

    VirtualDiskBackend(VirtualDisk disk, boolean readOnly) {
        this.disk = disk;
        this.readOnly = readOnly;
    }

    @Override
    public int blockSize() {
        return disk.sectorSize();
    }

    @Override
    public long capacityBytes() {
        return disk.size();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        disk.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new IOException("served read-only");
        }
        disk.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            disk.flush();
        }
    }

    @Override
    public String toString() {
        return disk + (readOnly ? " (read-only)" : "");
    }
}
