package dev.celadon.loader;

import dev.celadon.hypervisor.api.GuestMemory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;

/**
 * A kernel, initrd or module to boot: a file on disk, read piece by piece, or bytes already in the heap (bundled
 * micro-guests, tests). A file is never read whole: the loaders read its headers with {@link #read} and copy
 * its payload into guest memory in {@link #CHUNK}-sized pieces with {@link #copyTo}. Opening a file checks its
 * size against a cap before anything is read, so a wrong path (a disk image, /dev/zero) fails at once with a
 * message naming the file. Each read reopens the file and checks its size is unchanged, so no descriptor is
 * held between the request and the load.
 */
public final class KernelFile {
    /** Cap on a kernel file: far above any kernel (Debian's is ~8 MiB, a vmlinux ~60 MiB). */
    public static final long KERNEL_LIMIT = 512L << 20;
    /** Cap on an initrd or module: it must fit below the 3 GiB low-RAM top anyway. */
    public static final long INITRD_LIMIT = 2L << 30;
    /** The part every format's header lies in (Multiboot: the first 8192 bytes). */
    public static final int HEAD_SIZE = 8192;
    /** Copy granularity from a file into guest memory. */
    public static final int CHUNK = 1 << 20;

    private final String name;
    private final String what;
    private final Path path;
    private final byte[] bytes;
    private final long size;
    private final byte[] head;

    private KernelFile(String name, String what, Path path, byte[] bytes, long size, byte[] head) {
        this.name = name;
        this.what = what;
        this.path = path;
        this.bytes = bytes;
        this.size = size;
        this.head = head;
    }

    /** A kernel file, capped at {@link #KERNEL_LIMIT}. */
    public static KernelFile openKernel(Path path) {
        return open(path, "kernel", KERNEL_LIMIT);
    }

    /** An initrd or module file, capped at {@link #INITRD_LIMIT}. */
    public static KernelFile openInitrd(Path path) {
        return open(path, "initrd", INITRD_LIMIT);
    }

    /**
     * Checks {@code path} is a readable regular file of at most {@code limit} bytes and reads its first
     * {@link #HEAD_SIZE} bytes.
     *
     * @param what "kernel", "initrd", ... for messages
     * @throws LoaderException naming the file if it is missing, unreadable, not a regular file or too big
     */
    public static KernelFile open(Path path, String what, long limit) {
        if (path == null) {
            throw new IllegalArgumentException(what);
        }
        if (!Files.isRegularFile(path)) {
            throw new LoaderException(what + " file " + path + " does not exist or is not a regular file");
        }
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new LoaderException("cannot read " + what + " file " + path + ": " + e, e);
        }
        if (size > limit) {
            throw new LoaderException(what + " file " + path + " is " + size + " bytes (" + mib(size)
                    + "), over the " + mib(limit) + " limit for " + what + "s");
        }
        KernelFile f = new KernelFile(path.toString(), what, path, null, size, null);
        byte[] head = f.read(0, (int) Math.min(size, HEAD_SIZE));
        return new KernelFile(path.toString(), what, path, null, size, head);
    }

    /**
     * Bytes already in the heap, used as they are (not copied; the caller must not change them).
     *
     * @param name how messages and the Multiboot module string name it
     */
    public static KernelFile of(String name, byte[] bytes) {
        if (name == null || bytes == null) {
            throw new IllegalArgumentException(name == null ? "name" : name);
        }
        return new KernelFile(name, name, null, bytes, bytes.length,
                Arrays.copyOf(bytes, Math.min(bytes.length, HEAD_SIZE)));
    }

    /** The path as given, or the name passed to {@link #of}. */
    public String name() {
        return name;
    }

    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    public long size() {
        return size;
    }

    /** The first {@code min(size, HEAD_SIZE)} bytes. */
    public byte[] head() {
        return head.clone();
    }

    /**
     * {@code length} bytes at {@code offset}.
     *
     * @throws LoaderException if the range is outside the file, or the file cannot be read or has changed size
     */
    public byte[] read(long offset, int length) {
        checkRange(offset, length);
        if (bytes != null) {
            return Arrays.copyOfRange(bytes, (int) offset, (int) offset + length);
        }
        if (head != null && offset + length <= head.length) {
            return Arrays.copyOfRange(head, (int) offset, (int) offset + length);
        }
        byte[] out = new byte[length];
        try (FileChannel ch = openChannel()) {
            readFully(ch, ByteBuffer.wrap(out), offset);
        } catch (IOException e) {
            throw readError(e);
        }
        return out;
    }

    /**
     * Copies {@code length} bytes from {@code offset} to guest-physical {@code address}, at most {@link #CHUNK}
     * bytes per write; the caller has checked the range is RAM.
     */
    public void copyTo(GuestMemory memory, long address, long offset, long length) {
        checkRange(offset, length);
        if (bytes != null) {
            for (long done = 0; done < length; done += CHUNK) {
                int n = (int) Math.min(CHUNK, length - done);
                memory.write(address + done, bytes, (int) (offset + done), n);
            }
            return;
        }
        byte[] buf = new byte[(int) Math.min(CHUNK, length)];
        try (FileChannel ch = openChannel()) {
            for (long done = 0; done < length; done += buf.length) {
                int n = (int) Math.min(buf.length, length - done);
                readFully(ch, ByteBuffer.wrap(buf, 0, n), offset + done);
                memory.write(address + done, buf, 0, n);
            }
        } catch (IOException e) {
            throw readError(e);
        }
    }

    @Override
    public String toString() {
        return what + " " + name + " (" + size + " bytes)";
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new LoaderException("truncated " + what + " " + name + ": " + length + " bytes at offset "
                    + offset + " are beyond its " + size + " bytes");
        }
    }

    private FileChannel openChannel() throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        long now = ch.size();
        if (now != size) {
            ch.close();
            throw new LoaderException(what + " file " + path + " changed while loading: it was " + size
                    + " bytes, now " + now);
        }
        return ch;
    }

    private void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                throw new LoaderException(what + " file " + path + " changed while loading: it ended at " + p
                        + " of " + size + " bytes");
            }
            p += n;
        }
    }

    private LoaderException readError(IOException e) {
        return new LoaderException("cannot read " + what + " file " + path + ": " + e, e);
    }

    private static String mib(long n) {
        return n % (1 << 20) == 0 ? (n >> 20) + " MiB" : String.format("%.1f MiB", n / 1048576.0);
    }
}
