package dev.celadon.vhd;

import dev.celadon.vhd.internal.FlatDisk;
import dev.celadon.vhd.internal.VhdFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A raw image: the file is the disk, byte for byte; its size must be whole 512-byte sectors. */
public final class RawDisk implements VirtualDisk {
    private final FlatDisk disk;

    private RawDisk(FlatDisk disk) {
        this.disk = disk;
    }

    public static RawDisk open(Path path, boolean readOnly) throws IOException {
        FileChannel ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            if (size == 0 || size % 512 != 0) {
                throw new VhdException(path, "file size", size + " bytes: a raw image is a positive whole number"
                        + " of 512-byte sectors");
            }
            if (!readOnly) {
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    throw new VhdException(path, null, "already open for writing in this process");
                }
                if (lock == null) {
                    throw new VhdException(path, null, "locked by another process");
                }
            }
            return new RawDisk(new FlatDisk(path, ch, size, readOnly));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A new sparse raw image of {@code size} bytes (all zeros); refuses to overwrite. */
    public static void create(Path path, long size) throws IOException {
        if (size <= 0 || size % 512 != 0) {
            throw new VhdException(path, "size", size + " bytes: not a positive multiple of 512");
        }
        VhdFiles.publish(path, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(1), size - 1);
                ch.force(true);
            }
        });
    }

    @Override
    public long size() {
        return disk.size();
    }

    @Override
    public int sectorSize() {
        return 512;
    }

    @Override
    public boolean readOnly() {
        return disk.readOnly();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        disk.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        disk.write(offset, src);
    }

    @Override
    public void flush() throws IOException {
        disk.flush();
    }

    @Override
    public void close() throws IOException {
        disk.close();
    }

    @Override
    public String toString() {
        return disk.toString();
    }
}
