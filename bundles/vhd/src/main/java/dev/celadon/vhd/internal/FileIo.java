package dev.celadon.vhd.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads and writes that do the whole transfer (FileChannel may do less per call). */
public final class FileIo {
    private FileIo() {
    }

    public static void readFully(FileChannel ch, long pos, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new EOFException("end of file at " + pos);
            }
            pos += n;
        }
    }

    public static byte[] read(FileChannel ch, long pos, int len) throws IOException {
        byte[] b = new byte[len];
        readFully(ch, pos, ByteBuffer.wrap(b));
        return b;
    }

    public static void writeFully(FileChannel ch, long pos, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }

    public static void write(FileChannel ch, long pos, byte[] b) throws IOException {
        writeFully(ch, pos, ByteBuffer.wrap(b));
    }

    public static void zero(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }

    public static boolean isZero(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Checks a request against the disk size, refusing what a caller should never send. */
    public static void checkRange(long offset, int length, long size) {
        if (offset < 0 || length < 0 || offset > size || size - offset < length) {
            throw new IllegalArgumentException("access of " + length + " bytes at " + offset
                    + " is outside the disk (" + size + " bytes)");
        }
    }
}
