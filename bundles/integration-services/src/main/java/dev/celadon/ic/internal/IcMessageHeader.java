package dev.celadon.ic.internal;

/**
 * The first 28 bytes of every IC packet's data: struct vmbuspipe_hdr (8) then struct icmsg_hdr (20), as
 * include/linux/hyperv.h declares them (packed). hv_utils reads the icmsg_hdr at offset 8 and the message body at
 * {@link #SIZE} (ICMSG_HDR); it answers in place, so a response has the request's layout with the flags, the status
 * and (for NEGOTIATE) the size rewritten.
 *
 * @param pipeFlags      vmbuspipe_hdr.flags; Linux ignores it, Hyper-V sends 1
 * @param pipeSize       vmbuspipe_hdr.msgsize: the bytes after the pipe header
 * @param framework      icverframe
 * @param type           icmsgtype ({@link #TYPE_NEGOTIATE}, ...)
 * @param message        icvermsg
 * @param size           icmsgsize: the bytes of the body after this header
 * @param status         HV_S_OK (0) or an HRESULT such as HV_E_FAIL
 * @param transaction    ictransaction_id (u8)
 * @param flags          icflags ({@link #FLAG_TRANSACTION}, ...)
 */
public record IcMessageHeader(int pipeFlags, int pipeSize, IcVersion framework, int type, IcVersion message,
                              int size, int status, int transaction, int flags) {
    public static final int PIPE_FLAGS = 0;
    public static final int PIPE_MSGSIZE = 4;
    /** struct vmbuspipe_hdr's size: struct icmsg_hdr starts here. */
    public static final int PIPE_HEADER = 8;
    public static final int FRAMEWORK = 8;
    public static final int TYPE = 12;
    public static final int MESSAGE = 14;
    public static final int MSGSIZE = 18;
    public static final int STATUS = 20;
    public static final int TRANSACTION = 24;
    public static final int FLAGS = 25;
    /** Two reserved bytes at 26; the body (ICMSG_HDR) starts at 28. */
    public static final int SIZE = 28;

    public static final int TYPE_NEGOTIATE = 0;
    public static final int TYPE_HEARTBEAT = 1;
    public static final int TYPE_KVP = 2;
    public static final int TYPE_SHUTDOWN = 3;
    public static final int TYPE_TIMESYNC = 4;
    public static final int TYPE_VSS = 5;

    public static final int FLAG_TRANSACTION = 1;
    public static final int FLAG_REQUEST = 2;
    public static final int FLAG_RESPONSE = 4;

    public static final int HV_S_OK = 0;
    public static final int HV_E_FAIL = 0x8000_4005;

    /**
     * The largest packet data hv_utils reads (HV_HYP_PAGE_SIZE): vmbus_recvpacket leaves a longer packet in the ring
     * and returns -ENOBUFS, so the channel would be stuck. Nothing longer is sent, and nothing longer is taken.
     */
    public static final int MAX_PACKET_DATA = 4096;

    /** Hyper-V's pipe flags for IC traffic (VMBUS_PIPE_TYPE_MESSAGE); Linux does not read them. */
    static final int PIPE_MESSAGE = 1;

    public IcMessageHeader {
        if (framework == null || message == null || (type | size) >>> 16 != 0 || (transaction | flags) >>> 8 != 0) {
            throw new IllegalArgumentException("IC header field out of range");
        }
    }

    /** A host request of {@code type} with a body of {@code bodySize} bytes. */
    static IcMessageHeader request(IcVersion framework, int type, IcVersion message, int bodySize, int transaction) {
        return new IcMessageHeader(PIPE_MESSAGE, SIZE - PIPE_HEADER + bodySize, framework, type, message,
                bodySize, HV_S_OK, transaction & 0xff, FLAG_TRANSACTION | FLAG_REQUEST);
    }

    /**
     * Reads the header of packet data {@code data}.
     *
     * @throws IcProtocolException if the data is shorter than the header or longer than a guest may send
     */
    public static IcMessageHeader decode(byte[] data) throws IcProtocolException {
        IcProtocolException.require(data.length >= SIZE, "IC message of " + data.length
                + " bytes is shorter than its " + SIZE + "-byte header");
        IcProtocolException.require(data.length <= MAX_PACKET_DATA, "IC message of " + data.length
                + " bytes is longer than the " + MAX_PACKET_DATA + " an IC channel carries");
        return new IcMessageHeader(Le.u32(data, PIPE_FLAGS), Le.u32(data, PIPE_MSGSIZE),
                IcVersion.decode(data, FRAMEWORK), Le.u16(data, TYPE), IcVersion.decode(data, MESSAGE),
                Le.u16(data, MSGSIZE), Le.u32(data, STATUS), Le.u8(data, TRANSACTION), Le.u8(data, FLAGS));
    }

    public void encode(byte[] b) {
        Le.put32(b, PIPE_FLAGS, pipeFlags);
        Le.put32(b, PIPE_MSGSIZE, pipeSize);
        framework.encode(b, FRAMEWORK);
        Le.put16(b, TYPE, type);
        message.encode(b, MESSAGE);
        Le.put16(b, MSGSIZE, size);
        Le.put32(b, STATUS, status);
        b[TRANSACTION] = (byte) transaction;
        b[FLAGS] = (byte) flags;
        b[26] = 0;
        b[27] = 0;
    }

    public boolean isResponse() {
        return (flags & FLAG_RESPONSE) != 0;
    }

    static String typeName(int type) {
        return switch (type) {
            case TYPE_NEGOTIATE -> "NEGOTIATE";
            case TYPE_HEARTBEAT -> "HEARTBEAT";
            case TYPE_KVP -> "KVPEXCHANGE";
            case TYPE_SHUTDOWN -> "SHUTDOWN";
            case TYPE_TIMESYNC -> "TIMESYNC";
            case TYPE_VSS -> "VSS";
            default -> "type " + type;
        };
    }
}
