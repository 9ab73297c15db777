package dev.celadon.vhd;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A block device backed by a file: byte-addressed reads and writes (any offset and length inside {@link #size()},
 * not only whole sectors), and a {@link #flush()} after which every write completed before it survives a crash
 * of this process or of the host. Implementations are safe for use by several threads.
 */
@org.osgi.annotation.versioning.ProviderType
public interface VirtualDisk extends Closeable {
    /** The virtual size in bytes, a multiple of {@link #sectorSize()}. */
    long size();

    /** The logical sector size a guest sees: 512 for every VHD and raw image. */
    int sectorSize();

    boolean readOnly();

    /** Reads {@code dst.remaining()} bytes at {@code offset}; unwritten space reads as zeros (or the parent's data). */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes at {@code offset}. Durable only after {@link #flush()}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every completed write durable (metadata in crash-safe order, then {@code fsync}). */
    void flush() throws IOException;

    /** Flushes (if writable) and releases the file; the disk cannot be used afterwards. */
    @Override
    void close() throws IOException;

    default void read(long offset, byte[] dst) throws IOException {
        read(offset, ByteBuffer.wrap(dst));
    }

    default void read(long offset, byte[] dst, int off, int len) throws IOException {
        read(offset, ByteBuffer.wrap(dst, off, len));
    }

    default void write(long offset, byte[] src) throws IOException {
        write(offset, ByteBuffer.wrap(src));
    }

    default void write(long offset, byte[] src, int off, int len) throws IOException {
        write(offset, ByteBuffer.wrap(src, off, len));
    }
}
