package dev.celadon.hypervisor.core.internal.hyperv;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Atomic 32-bit words in guest RAM, for memory the guest changes concurrently: the SynIC slot header (the guest
 * frees a slot with cmpxchg on its type, then reads the pending flag) and event flag bits (the guest
 * test-and-clears them). Offsets are 4-aligned, so on a direct buffer these are real locked instructions.
 */
final class GuestWords {

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private GuestWords() {
    }

    static int getVolatile(ByteBuffer b, int offset) {
        return (int) INT.getVolatile(b, offset);
    }

    static void setVolatile(ByteBuffer b, int offset, int value) {
        INT.setVolatile(b, offset, value);
    }

    /** ORs {@code bits} into the word; returns the value before. */
    static int getAndOr(ByteBuffer b, int offset, int bits) {
        return (int) INT.getAndBitwiseOr(b, offset, bits);
    }
}
