package dev.celadon.kvm.internal;

import com.sun.jna.Pointer;

/**
 * The kvm_run structure KVM shares with each vCPU (mmap of the vCPU descriptor), read and written at the
 * offsets of linux/kvm.h for x86-64. Exit data sits in a union at offset 32.
 */
final class KvmRun {

    static final int IMMEDIATE_EXIT = 1;
    static final int EXIT_REASON = 8;
    private static final int U = 32;
    // io
    static final int IO_DIRECTION = U;       // 0 = in, 1 = out
    static final int IO_SIZE = U + 1;
    static final int IO_PORT = U + 2;
    static final int IO_COUNT = U + 4;
    static final int IO_DATA_OFFSET = U + 8;
    // mmio
    static final int MMIO_PHYS_ADDR = U;
    static final int MMIO_DATA = U + 8;
    static final int MMIO_LEN = U + 16;
    static final int MMIO_IS_WRITE = U + 20;
    // fail_entry
    static final int FAIL_ENTRY_REASON = U;
    // internal / emulation_failure
    static final int INTERNAL_SUBERROR = U;
    static final int INTERNAL_NDATA = U + 4;
    static final int INTERNAL_DATA = U + 8;
    static final int EMULATION_FLAGS = U + 8;
    static final int EMULATION_INSN_SIZE = U + 16;
    static final int EMULATION_INSN_BYTES = U + 17;
    // msr
    static final int MSR_ERROR = U;
    static final int MSR_REASON = U + 8;
    static final int MSR_INDEX = U + 12;
    static final int MSR_DATA = U + 16;
    // system_event
    static final int SYSTEM_EVENT_TYPE = U;

    final Pointer p;
    final long size;

    KvmRun(Pointer p, long size) {
        this.p = p;
        this.size = size;
    }

    int exitReason() {
        return p.getInt(EXIT_REASON);
    }

    void setImmediateExit(boolean on) {
        p.setByte(IMMEDIATE_EXIT, (byte) (on ? 1 : 0));
    }
}
