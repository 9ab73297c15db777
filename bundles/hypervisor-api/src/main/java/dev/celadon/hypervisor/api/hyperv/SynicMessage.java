package dev.celadon.hypervisor.api.hyperv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One HV_MESSAGE: a 256-byte SynIC message page slot. Layout (TLFS, and Linux's struct hv_message):
 * u32 message type @0, u8 payload size @4, u8 flags @5 (bit 0: message pending), u16 reserved @6,
 * u64 origination id (sender port) @8, payload @16 (at most 240 bytes).
 */
public record SynicMessage(HvMessageType type, long sender, byte[] payload) {

    public static final int SIZE = 256;
    public static final int TYPE_OFFSET = 0;
    public static final int PAYLOAD_SIZE_OFFSET = 4;
    public static final int FLAGS_OFFSET = 5;
    public static final int SENDER_OFFSET = 8;
    public static final int PAYLOAD_OFFSET = 16;
    public static final int MAX_PAYLOAD = 240;
    /** Flags bit 0: another message waits for this slot; the guest writes EOM after freeing it. */
    public static final int FLAG_MESSAGE_PENDING = 1;

    public SynicMessage {
        if (type == null || type.value() == 0) {
            throw new IllegalArgumentException("a SynIC message needs a type other than HvMessageTypeNone");
        }
        if (payload == null || payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("SynIC payload must be 0.." + MAX_PAYLOAD + " bytes, got "
                    + (payload == null ? "null" : payload.length));
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The slot image: header and payload, the rest zero; the pending flag clear. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(TYPE_OFFSET, type.value());
        b.put(PAYLOAD_SIZE_OFFSET, (byte) payload.length);
        b.putLong(SENDER_OFFSET, sender);
        b.put(PAYLOAD_OFFSET, payload);
        return b.array();
    }

    /** Reads a slot image back (the type must not be None; the payload size is checked against 240). */
    public static SynicMessage decode(byte[] slot) {
        if (slot.length < SIZE) {
            throw new IllegalArgumentException("a SynIC slot is " + SIZE + " bytes, got " + slot.length);
        }
        ByteBuffer b = ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN);
        int size = b.get(PAYLOAD_SIZE_OFFSET) & 0xFF;
        if (size > MAX_PAYLOAD) {
            throw new IllegalArgumentException("SynIC payload size " + size + " exceeds " + MAX_PAYLOAD);
        }
        return new SynicMessage(new HvMessageType(b.getInt(TYPE_OFFSET)), b.getLong(SENDER_OFFSET),
                Arrays.copyOfRange(slot, PAYLOAD_OFFSET, PAYLOAD_OFFSET + size));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SynicMessage m && m.type.equals(type) && m.sender == sender
                && Arrays.equals(m.payload, payload);
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + Long.hashCode(sender) * 17 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "SynicMessage[type " + type + ", sender " + sender + ", " + payload.length + " bytes]";
    }
}
