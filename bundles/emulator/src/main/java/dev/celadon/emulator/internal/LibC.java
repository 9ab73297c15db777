package dev.celadon.emulator.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The two C library calls guest RAM needs. Anonymous MAP_NORESERVE mappings are lazily backed by the kernel, so a
 * 6 GiB guest costs what it touches, and munmap gives memory back at once (a direct ByteBuffer would wait for GC
 * and count against -XX:MaxDirectMemorySize).
 */
final class LibC {

    static {
        Native.register("c");
    }

    private LibC() {
    }

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_PRIVATE = 2;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;

    static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    static native int munmap(Pointer addr, long length) throws LastErrorException;

    static native String strerror(int errno);

    static String describe(LastErrorException e) {
        return strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
    }
}
