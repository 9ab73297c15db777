package dev.celadon.storage.vstor;

/** The NTSTATUS values a host puts in {@link VstorPacket#status()}; Linux treats any non-zero value as failure. */
public final class NtStatus {
    public static final int SUCCESS = 0;
    public static final int INVALID_PARAMETER = 0xC000000D;
    /** A version the host does not speak (what Hyper-V answers in QUERY_PROTOCOL_VERSION). */
    public static final int REVISION_MISMATCH = 0xC0000059;
    public static final int NOT_SUPPORTED = 0xC00000BB;
    /** An operation out of order: I/O before END_INITIALIZATION, a second BEGIN_INITIALIZATION. */
    public static final int INVALID_DEVICE_STATE = 0xC0000184;

    private NtStatus() {
    }
}
