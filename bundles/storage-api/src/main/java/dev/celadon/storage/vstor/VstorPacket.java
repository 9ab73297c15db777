package dev.celadon.storage.vstor;

import java.util.Arrays;

/**
 * {@code struct vstor_packet}, the data of every storvsc request and reply (64 bytes since win8):
 * <pre>
 *   @0  u32 operation   {@link VstorOperation}
 *   @4  u32 flags       {@link #REQUEST_COMPLETION_FLAG}
 *   @8  u32 status      NTSTATUS of a reply ({@link NtStatus})
 *   @12 union[52]       {@link VmscsiRequest}, {@link ChannelProperties}, the version (u16 major_minor,
 *                       u16 revision), the sub-channel count (u16)
 * </pre>
 * Replies are VMBus completions of exactly {@link #SIZE} bytes, since Linux reads storvsc packets into an
 * 80-byte buffer (descriptor + 64).
 */
public record VstorPacket(int operation, int flags, int status, byte[] body) {
    public static final int SIZE = 64;
    public static final int OPERATION = 0;
    public static final int FLAGS = 4;
    public static final int STATUS = 8;
    public static final int BODY = 12;
    public static final int BODY_SIZE = SIZE - BODY;
    /** The smallest packet decoded: the header and a u32 of the union (enough for a version or a count). */
    public static final int MIN_SIZE = BODY + 4;
    public static final int REQUEST_COMPLETION_FLAG = 1;
    /** Offsets in the packet of the union members that are not structures. */
    public static final int VERSION = BODY;
    public static final int REVISION = BODY + 2;
    public static final int SUB_CHANNEL_COUNT = BODY;

    public VstorPacket {
        if (body.length != BODY_SIZE) {
            throw new IllegalArgumentException("vstor_packet body of " + body.length + " bytes, not " + BODY_SIZE);
        }
    }

    public static VstorPacket of(int operation, int flags, int status) {
        return new VstorPacket(operation, flags, status, new byte[BODY_SIZE]);
    }

    /** A request as Linux sends it: completion requested, status 0. */
    public static VstorPacket request(int operation) {
        return of(operation, REQUEST_COMPLETION_FLAG, 0);
    }

    /** QUERY_PROTOCOL_VERSION proposing {@code version} (revision 0, as Linux sends it). */
    public static VstorPacket queryVersion(int version) {
        VstorPacket p = request(VstorOperation.QUERY_PROTOCOL_VERSION);
        Le.put16(p.body, VERSION - BODY, version);
        return p;
    }

    /**
     * Parses the data of a VMBus packet. Shorter packets than {@link #SIZE} (down to {@link #MIN_SIZE}) are
     * accepted with the rest of the union read as zeros; whoever needs the whole union checks
     * {@code data.length} itself (an SRB needs all 64 bytes).
     *
     * @throws VstorProtocolException if fewer than {@link #MIN_SIZE} bytes were given
     */
    public static VstorPacket decode(byte[] data) {
        VstorProtocolException.require(data.length >= MIN_SIZE, "vstor_packet of " + data.length
                + " bytes is shorter than " + MIN_SIZE);
        byte[] body = Arrays.copyOfRange(data, BODY, BODY + BODY_SIZE);
        if (data.length < SIZE) {
            Arrays.fill(body, data.length - BODY, BODY_SIZE, (byte) 0);
        }
        return new VstorPacket(Le.u32(data, OPERATION), Le.u32(data, FLAGS), Le.u32(data, STATUS), body);
    }

    public byte[] encode() {
        byte[] b = new byte[SIZE];
        Le.put32(b, OPERATION, operation);
        Le.put32(b, FLAGS, flags);
        Le.put32(b, STATUS, status);
        System.arraycopy(body, 0, b, BODY, BODY_SIZE);
        return b;
    }

    /** The proposed version of a QUERY_PROTOCOL_VERSION. */
    public int version() {
        return Le.u16(body, VERSION - BODY);
    }

    /** The count of a CREATE_SUB_CHANNELS. */
    public int subChannelCount() {
        return Le.u16(body, SUB_CHANNEL_COUNT - BODY);
    }

    /** The same packet with {@code operation} and {@code status} replaced (replies reuse the request's body). */
    public VstorPacket reply(int status) {
        return new VstorPacket(VstorOperation.COMPLETE_IO, 0, status, body.clone());
    }

    @Override
    public String toString() {
        return VstorOperation.name(operation) + " flags " + flags + " status 0x" + Integer.toHexString(status);
    }
}
