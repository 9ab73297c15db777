package dev.celadon.loopback.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** mmap and munmap for guest RAM: released at close, not when the garbage collector gets round to it. */
final class LibC {

    static {
        Native.register("c");
    }

    private LibC() {
    }

    static final int PROT_READ = 1, PROT_WRITE = 2;
    static final int MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;

    static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    static native int munmap(Pointer addr, long length) throws LastErrorException;

    static native String strerror(int errno);
}
