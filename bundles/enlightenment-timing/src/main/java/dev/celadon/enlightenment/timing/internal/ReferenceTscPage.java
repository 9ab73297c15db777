package dev.celadon.enlightenment.timing.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.enlightenment.ReferenceTsc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * HV_REFERENCE_TSC_PAGE (TLFS "Reference TSC Page"; Linux's struct ms_hyperv_tsc_page): u32 TscSequence @0,
 * u32 reserved @4, u64 TscScale @8, s64 TscOffset @16, the rest of the 4 KiB page reserved. A guest computes
 * reference time = ((RDTSC * scale) >> 64) + offset and retries if the sequence changed meanwhile; sequence 0
 * means "invalid: read the reference counter MSR instead".
 */
final class ReferenceTscPage {

    static final int SIZE = 4096;
    static final int SEQUENCE_OFFSET = 0, SCALE_OFFSET = 8, OFFSET_OFFSET = 16;
    /** The guest falls back to the MSR while the sequence is 0. */
    static final int INVALID_SEQUENCE = 0;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private ReferenceTscPage() {
    }

    /**
     * Publishes {@code ref} in the page at {@code gpa} under {@code sequence} (not 0): the sequence is made
     * invalid first, then scale and offset written, then the sequence last, so a guest reading meanwhile retries or
     * falls back to the MSR and never mixes old and new values.
     */
    static void publish(GuestMemory memory, long gpa, ReferenceTsc ref, int sequence) {
        if (sequence == INVALID_SEQUENCE) {
            throw new IllegalArgumentException("sequence 0 marks the page invalid");
        }
        ByteBuffer page = memory.view(gpa, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        INT.setVolatile(page, SEQUENCE_OFFSET, INVALID_SEQUENCE);
        page.putInt(4, 0);
        page.putLong(SCALE_OFFSET, ref.scale());
        page.putLong(OFFSET_OFFSET, ref.offset());
        INT.setVolatile(page, SEQUENCE_OFFSET, sequence);
    }

    /** The next sequence after {@code s}: never 0 (invalid) and never 0xFFFFFFFF (older TLFS: also invalid). */
    static int next(int s) {
        int n = s + 1;
        return n == 0 || n == -1 ? 1 : n;
    }
}
