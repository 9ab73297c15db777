package dev.celadon.vhd.internal;

import dev.celadon.vhd.VhdException;
import dev.celadon.vhd.VirtualDisk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A disk whose sectors lie in order at the start of a file: a raw image, or a fixed VHD (whose footer follows
 * the data and never changes, so a write is durable once {@code fsync} returns). Positional I/O needs no lock.
 */
public class FlatDisk implements VirtualDisk {
    private final Path path;
    private final FileChannel ch;
    private final long size;
    private final boolean readOnly;
    private volatile boolean closed;

    public FlatDisk(Path path, FileChannel ch, long size, boolean readOnly) {
        this.path = path;
        this.ch = ch;
        this.size = size;
        this.readOnly = readOnly;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int sectorSize() {
        return 512;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    private void open() throws VhdException {
        if (closed) {
            throw new VhdException(path, null, "disk is closed");
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        open();
        FileIo.checkRange(offset, dst.remaining(), size);
        FileIo.readFully(ch, offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        open();
        if (readOnly) {
            throw new VhdException(path, null, "opened read-only");
        }
        FileIo.checkRange(offset, src.remaining(), size);
        FileIo.writeFully(ch, offset, src);
    }

    @Override
    public void flush() throws IOException {
        open();
        if (!readOnly) {
            ch.force(false);
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (!readOnly) {
                ch.force(false);
            }
        } finally {
            closed = true;
            ch.close();
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
